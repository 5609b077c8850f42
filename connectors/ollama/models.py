"""The structured answer the model must give, built per taxonomy, and its validation.

The same pydantic model serves twice: its JSON schema goes to Ollama as `format`, so the
server constrains decoding to it, and it validates what comes back, because a grammar
is a request to the server, not a guarantee (older servers ignore it, proxies rewrite).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator

from models.classification import Taxonomy

#: Longest reason passed on to the clerk; the model is asked for one short sentence.
MAX_REASON_CHARS = 300


class AnswerBase(BaseModel):
    """Fields every answer has; `label` is added per taxonomy by `answer_model`."""

    model_config = ConfigDict(extra="ignore")

    label: str
    begruendung: str = Field(description="Ein kurzer Satz, warum diese Kategorie")
    confidence: float | None = Field(
        default=None, ge=0.0, le=1.0, description="Eigene Sicherheit zwischen 0 und 1"
    )

    @field_validator("confidence", mode="before")
    @classmethod
    def _tolerate(cls, value: object) -> float | None:
        """Clamp or drop a malformed self-estimate: it is a weak hint, not worth a review."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return min(max(float(value), 0.0), 1.0)


def answer_model(taxonomy: Taxonomy) -> type[AnswerBase]:
    """A model whose `label` admits exactly the taxonomy's names.

    A `Literal` rather than an `enum.Enum`: pydantic inlines it as `{"enum": [...]}` in
    the schema, where an Enum would become a `$ref` that not every server's grammar
    converter resolves.
    """
    label_type: Any = Literal.__getitem__(tuple(taxonomy.names))
    return create_model(
        "Klassifikation",
        __base__=AnswerBase,
        label=(label_type, Field(description="Genau einer der Kategorienamen")),
    )


def answer_schema(model: type[AnswerBase]) -> dict[str, Any]:
    """The JSON schema sent as `format`, with `label` first so it is decided first.

    Deciding the label before writing the reason keeps the reason from steering the
    label, and puts the label's tokens where their log-probabilities are easy to find.
    """
    schema = model.model_json_schema()
    properties = schema["properties"]
    schema["properties"] = {"label": properties.pop("label"), **properties}
    return schema


@dataclass(frozen=True, slots=True)
class Answer:
    """A validated answer, or why there is none (then `problem` is set)."""

    label: str | None
    candidate: str | None
    begruendung: str
    self_confidence: float | None
    problem: str | None


def parse_answer(content: str, model: type[AnswerBase], taxonomy: Taxonomy) -> Answer:
    """Validate the model's text; every defect becomes a reason for review, not a crash.

    A guess that differs from a label only in case or surrounding space is kept as the
    clerk's suggestion (`candidate`), never as an accepted label.
    """
    if not content.strip():
        return Answer(None, None, "", None, "Leere Antwort des Sprachmodells")
    try:
        raw = json.loads(content)
    except json.JSONDecodeError:
        return Answer(None, None, "", None, "Antwort des Sprachmodells ist kein gültiges JSON")
    if not isinstance(raw, dict):
        return Answer(None, None, "", None, "Antwort des Sprachmodells ist kein JSON-Objekt")
    try:
        answer = model.model_validate(raw)
    except ValidationError as error:
        guess = raw.get("label")
        candidate = _closest(guess, taxonomy) if isinstance(guess, str) else None
        fields = sorted({str(e["loc"][0]) for e in error.errors() if e["loc"]})
        if "label" in fields:
            problem = "Kategorie des Sprachmodells gehört nicht zur Taxonomie"
            if isinstance(guess, str) and guess.strip():
                problem += f": {guess.strip()[:80]!r}"
        else:
            problem = f"Antwort des Sprachmodells ungültig ({', '.join(fields) or 'Schema'})"
        return Answer(None, candidate, "", None, problem)
    reason = " ".join(answer.begruendung.split())[:MAX_REASON_CHARS]
    return Answer(answer.label, answer.label, reason, answer.confidence, None)


def _closest(guess: str, taxonomy: Taxonomy) -> str | None:
    wanted = guess.strip().casefold()
    return next((name for name in taxonomy.names if name.casefold() == wanted), None)


@dataclass(frozen=True, slots=True)
class OllamaStatus:
    """Whether the configured model can answer, and if not, what to do about it."""

    available: bool
    detail: str

    def __bool__(self) -> bool:
        return self.available


def full_model_name(model: str) -> str:
    """`name` and `name:latest` are the same model to Ollama."""
    return model if ":" in model.rsplit("/", 1)[-1] else f"{model}:latest"
