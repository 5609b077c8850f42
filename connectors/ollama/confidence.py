"""How sure the model was of its label, from token log-probabilities where there are any.

The probability the model gave to spelling out the label it chose, `exp(sum(logprob))`
over the tokens of the label's value, is a measured quantity; a number the model writes
into its answer is just more generated text. So the first is used where the server sends
log-probabilities (recent Ollama versions do when asked with `logprobs: true`; older ones
ignore the field), and the second only as a capped fallback, so that an unmeasured answer
never looks surer than `self_reported_cap` to the hybrid policy.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

#: Used when the server sends no log-probabilities and the model names no confidence.
UNREPORTED = 0.5

# The label's string value right after its key; tolerant of whitespace and escapes.
_LABEL_VALUE = re.compile(r'"label"\s*:\s*"((?:[^"\\]|\\.)*)"')


def label_probability(tokens: Sequence[tuple[str, float]]) -> float | None:
    """`exp` of the summed log-probabilities of the tokens that spell the label value.

    Works on the concatenated token texts rather than on the message content, so a
    token printed differently (a byte-fallback token shows as "\ufffd") still lines up
    with its neighbours. Tokens that straddle the value's quotes count in full; the
    quotes themselves are near-certain under the JSON grammar, so this costs nothing.

    Args:
        tokens: `(token text, log-probability)` for every generated token, in order.

    Returns:
        The probability, or None when the label cannot be found among the tokens.

    """
    text = "".join(token for token, _ in tokens)
    match = _LABEL_VALUE.search(text)
    if match is None or match.end(1) == match.start(1):
        return None
    start, end = match.span(1)
    total, position, used = 0.0, 0, 0
    for token, logprob in tokens:
        token_end = position + len(token)
        if token_end > start and position < end and math.isfinite(logprob):
            total += min(logprob, 0.0)
            used += 1
        position = token_end
    return math.exp(total) if used else None


def fallback_confidence(self_reported: float | None, cap: float) -> float:
    """The model's own estimate, never above `cap`; `UNREPORTED` (capped) without one."""
    value = UNREPORTED if self_reported is None else self_reported
    return min(max(value, 0.0), cap)
