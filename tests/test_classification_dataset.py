"""Labelled JSONL files: gzip by content, clear errors with file and line, never a crash."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.trained_model import DatasetError, LabelledDocument, load_documents

GOOD = [
    {"id": "a1", "title": "Anfrage", "text": "Wie viele Bäume?", "label": "Anfrage"},
    {"id": 7, "text": "Der Gemeinderat beschließt ...", "label": "Beschlussvorlage"},
]


def _write(path: Path, lines: list[str], *, zipped: bool = False) -> Path:
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    path.write_bytes(gzip.compress(data) if zipped else data)
    return path


def test_plain_and_gzip_detected_by_content_not_name(tmp_path: Path) -> None:
    lines = [json.dumps(o, ensure_ascii=False) for o in GOOD]
    zipped = _write(tmp_path / "looks-plain.jsonl", lines, zipped=True)
    plain = _write(tmp_path / "looks-zipped.jsonl.gz", ["", *lines, "   "])
    for path in (zipped, plain):
        docs = load_documents(path)
        assert docs == [
            LabelledDocument("Wie viele Bäume?", "Anfrage", "a1", "Anfrage"),
            LabelledDocument("Der Gemeinderat beschließt ...", "Beschlussvorlage", "7", None),
        ]
    assert docs[0].classification_text() == "Anfrage\nWie viele Bäume?"
    assert docs[0].classification_text(use_title=False) == "Wie viele Bäume?"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ('{"text": "x", "label": ', "Zeile 2: kein gültiges JSON"),
        ('["text", "label"]', "Zeile 2: ein JSON-Objekt je Zeile"),
        ('{"label": "Anfrage"}', "Zeile 2: „text“ fehlt"),
        ('{"text": "   ", "label": "Anfrage"}', "Zeile 2: „text“ fehlt oder ist leer"),
        ('{"text": "x"}', "Zeile 2: „label“ fehlt"),
        ('{"text": "x", "label": ["A"]}', "Zeile 2: „label“ muss Text sein"),
        ('{"text": "x", "label": ""}', "Zeile 2: „label“ ist leer"),
        ('{"text": "x", "label": "A", "title": 3.5}', "Zeile 2: „title“ muss Text sein"),
    ],
)
def test_bad_line_named_with_file_and_number(tmp_path: Path, bad: str, message: str) -> None:
    path = _write(tmp_path / "daten.jsonl", [json.dumps(GOOD[0]), bad])
    with pytest.raises(DatasetError, match=message) as info:
        load_documents(path)
    assert str(path) in str(info.value)


def test_label_optional_for_prediction(tmp_path: Path) -> None:
    path = _write(tmp_path / "neu.jsonl", ['{"text": "Bitte prüfen"}'])
    assert load_documents(path, require_label=False) == [LabelledDocument("Bitte prüfen")]


def test_broken_files(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="nicht lesbar"):
        load_documents(tmp_path / "fehlt.jsonl")
    with pytest.raises(DatasetError, match="keine Dokumente"):
        load_documents(_write(tmp_path / "leer.jsonl", []))
    latin1 = tmp_path / "latin1.jsonl"
    latin1.write_bytes('{"text": "Gebühr", "label": "A"}\n'.encode("latin-1"))
    with pytest.raises(DatasetError, match="Zeile 1: kein UTF-8"):
        load_documents(latin1)
    whole = gzip.compress(b"".join(json.dumps(o).encode() + b"\n" for o in GOOD * 50))
    cut = tmp_path / "abgeschnitten.jsonl.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DatasetError, match="gzip-Daten beschädigt"):
        load_documents(cut)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.binary(max_size=400), zipped=st.booleans(), prefix=st.sampled_from([b"", b"\x1f\x8b"])
)
def test_any_bytes_give_documents_or_a_clear_error(
    tmp_path: Path, data: bytes, zipped: bool, prefix: bytes
) -> None:
    path = tmp_path / "zufall.jsonl"
    path.write_bytes(gzip.compress(data) if zipped else prefix + data)
    try:
        docs = load_documents(path, require_label=False)
    except DatasetError as exc:
        assert str(path) in str(exc)
    else:
        assert docs and all(isinstance(d.text, str) and d.text.strip() for d in docs)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(
        st.dictionaries(
            st.sampled_from(["text", "label", "id", "title"]),
            st.none() | st.booleans() | st.integers() | st.text(),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_any_json_objects_give_documents_or_a_clear_error(
    tmp_path: Path, values: list[dict[str, object]]
) -> None:
    path = _write(tmp_path / "objekte.jsonl", [json.dumps(v) for v in values])
    try:
        docs = load_documents(path)
    except DatasetError as exc:
        assert "Zeile" in str(exc)
    else:
        assert all(d.label and d.text.strip() for d in docs)
