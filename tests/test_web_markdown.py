"""The flows' markdown summaries become headings, tables and text on the run page."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.web.markdown_view import blocks, plain
from app.web.run_pages import artifact_view

NIGHTLY = """\
# Nachtlauf nebenan

| Schritt | Ergebnis | Grund |
|---|---|---|
| oparl-sync | erledigt | |
| intake:post | **FEHLGESCHLAGEN** | `FileNotFoundError` |

1 Schritt fehlgeschlagen, siehe [Lauf](http://127.0.0.1:4200/runs/x).
- retrain: übersprungen
"""


def test_a_summary_becomes_heading_table_and_text() -> None:
    parts = blocks(NIGHTLY)
    assert [p["kind"] for p in parts] == ["heading", "table", "para", "item"]
    table = parts[1]
    assert table["headers"] == ["Schritt", "Ergebnis", "Grund"]
    assert table["rows"] == [
        ["oparl-sync", "erledigt", ""],
        ["intake:post", "FEHLGESCHLAGEN", "FileNotFoundError"],
    ]
    assert parts[2]["text"] == "1 Schritt fehlgeschlagen, siehe Lauf."
    assert parts[3]["text"] == "retrain: übersprungen"


def test_the_run_page_shows_the_title_once() -> None:
    view = artifact_view({"type": "markdown", "description": "Nachtlauf nebenan", "data": NIGHTLY})
    assert view["title"] == "Nachtlauf nebenan"
    assert [b["kind"] for b in view["blocks"]] == ["table", "para", "item"]
    assert view["text"] == ""


def test_markup_in_a_name_stays_text() -> None:
    assert plain("<script>x</script> **fett**") == "<script>x</script> fett"


def test_a_table_of_separators_only_shows_nothing() -> None:
    assert blocks("|---|---|\n") == []


@given(st.text(alphabet=st.sampled_from("|-: #*`[]()ab\n"), max_size=200) | st.text(max_size=400))
def test_any_text_gives_blocks_without_error(text: str) -> None:
    parts = blocks(text)
    for part in parts:
        assert part["kind"] in {"heading", "table", "para", "item"}
        if part["kind"] == "table":
            assert isinstance(part["headers"], list)
        else:
            assert part["text"] == part["text"].strip()
