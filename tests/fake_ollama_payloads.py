"""What the fake Ollama server says: chat replies, log-probabilities, model listings.

Shapes follow `../shared/reference/ollama/api.md` and `openapi.yaml` (ChatResponse,
Logprob, ListResponse, ShowResponse); numbers are plausible, not measured.
"""

from __future__ import annotations

import math
import re
from typing import Any

CREATED = "2025-10-26T17:21:21.196249Z"
_TOKEN = re.compile(r"\w{1,4}|\s+|[^\w\s]")  # crude pieces, enough to carry log-probabilities
_LABEL_VALUE = re.compile(r'"label"\s*:\s*"((?:[^"\\]|\\.)*)"')
#: Log-probability of every token outside the label (tests can see if one slips in).
OTHER_LOGPROB = -0.01


def chat_reply(
    model: str, body: dict[str, Any], content: str, label_probability: float | None
) -> Any:
    """The reply object, or every NDJSON object when the request did not say `stream: false`."""
    tokens = _TOKEN.findall(content)
    final: dict[str, Any] = {
        "model": model,
        "created_at": CREATED,
        "message": {"role": "assistant", "content": content},
        "done": True,
        "done_reason": "stop",
        "total_duration": 5_191_566_416,
        "load_duration": 2_154_458,
        "prompt_eval_count": sum(len(m.get("content", "")) for m in body["messages"]) // 4,
        "prompt_eval_duration": 383_809_000,
        "eval_count": len(tokens),
        "eval_duration": 4_799_921_000,
    }
    if body.get("logprobs") and label_probability is not None:
        final["logprobs"] = _logprobs(content, tokens, label_probability)
    if body.get("stream", True) is False:
        return final
    # Streaming: one chunk per token, each with its own log-probability, then the summary.
    per_token = final.pop("logprobs", None) or [None] * len(tokens)
    head = {"model": model, "created_at": CREATED, "done": False}
    chunks = [
        head | {"message": {"role": "assistant", "content": t}} | ({"logprobs": [lp]} if lp else {})
        for t, lp in zip(tokens, per_token, strict=True)
    ]
    return [*chunks, final | {"message": {"role": "assistant", "content": ""}}]


def _logprobs(content: str, tokens: list[str], probability: float) -> list[dict[str, Any]]:
    """Every label token shares `log(probability)`; every other token gets OTHER_LOGPROB."""
    match = _LABEL_VALUE.search(content)
    start, end = match.span(1) if match else (0, 0)
    spans, position = [], 0
    for token in tokens:
        spans.append((position, position + len(token)))
        position += len(token)
    inside = [s < end and e > start for s, e in spans]
    share = math.log(probability) / max(sum(inside), 1)
    return [
        {
            "token": token,
            "logprob": share if is_label else OTHER_LOGPROB,
            "bytes": list(token.encode()),
        }
        for token, is_label in zip(tokens, inside, strict=True)
    ]


def model_entry(name: str) -> dict[str, Any]:
    """One model of `/api/tags`."""
    return {
        "name": name,
        "model": name,
        "modified_at": "2025-05-10T08:06:48.639712648-07:00",
        "size": 1_929_912_432,
        "digest": "0a8c266910232fd3291e71e5ba1e058cc5af9d411192cf88b6d30e92b6e73163",
        "details": {
            "parent_model": "",
            "format": "gguf",
            "family": "qwen2",
            "families": ["qwen2"],
            "parameter_size": "3.1B",
            "quantization_level": "Q4_K_M",
        },
    }


def show_reply(name: str) -> dict[str, Any]:
    """`/api/show` for an installed model (the client requires `model_info`)."""
    entry = model_entry(name)
    return {
        "parameters": "temperature 0.7\nnum_ctx 2048",
        "license": "Apache License 2.0",
        "capabilities": ["completion"],
        "modified_at": entry["modified_at"],
        "details": entry["details"],
        "model_info": {"general.architecture": "qwen2", "qwen2.context_length": 32768},
    }
