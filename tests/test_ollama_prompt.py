"""The Ollama backend's pure parts: fencing, truncation, schema and log-probability maths."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from connectors.ollama.confidence import fallback_confidence, label_probability
from connectors.ollama.models import answer_model, answer_schema, full_model_name
from connectors.ollama.prompt import (
    BEGIN,
    CUT,
    END,
    document_budget,
    neutralise,
    system_prompt,
    truncate,
    user_message,
)
from models.classification import Taxonomy
from tests.conftest_ollama import TAXONOMY


@given(st.text(max_size=3000), st.integers(min_value=20, max_value=2000))
def test_truncate_stays_within_budget_and_keeps_both_ends(text: str, budget: int) -> None:
    assume(CUT not in text)
    cut = truncate(text, budget)
    assert len(cut) <= budget
    if len(text) <= budget:
        assert cut == text
    else:
        head, tail = cut.split(CUT)
        assert text.startswith(head) and text.endswith(tail)


@given(st.text(alphabet="<>＜＞﹤﹥DOKUMENTE ", max_size=200))
def test_neutralised_text_cannot_forge_a_marker(text: str) -> None:
    message = user_message(neutralise(text))
    assert message.count(BEGIN) == 1 and message.count(END) == 1
    assert "<<<" not in neutralise(text) and ">>>" not in neutralise(text)


def test_neutralise_drops_control_characters_but_keeps_lines() -> None:
    assert neutralise("a\x00b\x1bc\nd\te") == "a b c\nd\te"


def test_budget_refuses_a_context_too_small_for_the_prompt() -> None:
    many = Taxonomy.from_names([f"Kategorie {i} mit langem Namen" for i in range(200)])
    with pytest.raises(ValueError, match="num_ctx=1024"):
        document_budget(system_prompt(many), 1024, 256, 3.0)
    assert document_budget(system_prompt(TAXONOMY), 4096, 256, 3.0) > 9000


def test_schema_inlines_the_labels_and_validation_rejects_others() -> None:
    model = answer_model(TAXONOMY)
    schema = answer_schema(model)
    assert "$ref" not in str(schema) and "$defs" not in schema
    assert schema["properties"]["label"] == {
        "description": "Genau einer der Kategorienamen",
        "enum": TAXONOMY.names,
        "title": "Label",
        "type": "string",
    }
    assert model.model_validate({"label": "Antrag", "begruendung": "x", "confidence": 7})
    with pytest.raises(ValueError, match="label"):
        model.model_validate({"label": "Rechnung", "begruendung": "x"})


def test_label_probability_spans_split_and_byte_fallback_tokens() -> None:
    tokens = [
        ('{"', -0.5),
        ("label", -0.5),
        ('":', -0.5),
        (' "', -0.5),
        ("B", math.log(0.9)),
        ("\ufffd", math.log(0.8)),  # "ü" as two byte tokens, each shown as U+FFFD
        ("\ufffd", 0.0),
        ('rgerantrag",', math.log(0.5)),
        (' "begruendung": "x"}', -3.0),
    ]
    assert math.isclose(label_probability(tokens) or 0.0, 0.9 * 0.8 * 0.5)
    assert label_probability([("{}", -0.1)]) is None
    assert label_probability([('{"label": ""}', -0.1)]) is None


def test_fallback_confidence_is_capped() -> None:
    assert fallback_confidence(0.95, 0.7) == 0.7
    assert fallback_confidence(0.2, 0.7) == 0.2
    assert fallback_confidence(None, 0.7) == 0.5
    assert fallback_confidence(None, 0.3) == 0.3


def test_model_names_without_tag_mean_latest() -> None:
    assert full_model_name("llama3.2") == "llama3.2:latest"
    assert full_model_name("qwen2.5:3b-instruct") == "qwen2.5:3b-instruct"
    assert (
        full_model_name("registry.local:5000/team/model") == "registry.local:5000/team/model:latest"
    )
