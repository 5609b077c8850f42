"""Form models, label mapping, detection and German validation errors."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.forms import FORM_TYPES, FormValidation, detect_form_type, validate_form
from models.forms.gewerbeanmeldung import Betriebsart, Gewerbeanmeldung, Rechtsform
from models.forms.labels import alias_index
from models.forms.maengelmeldung import Mangelart
from models.german import iban_with_check_digits

ROOT = Path(__file__).resolve().parents[1]
GEWERBE = {
    "Name": "Beispiel", "Vorname": "Anna", "Geburtsdatum": "14.07.1986",
    "Staatsangehörigkeit": "deutsch", "Straße (Wohnung)": "Lindenweg",
    "Hausnummer (Wohnung)": "4", "PLZ (Wohnung)": "12345", "Ort (Wohnung)": "Musterstadt",
    "Rechtsform": "GmbH", "Straße (Betriebsstätte)": "Gewerbering",
    "Hausnummer (Betriebsstätte)": "12a", "PLZ (Betriebsstätte)": "12347",
    "Ort (Betriebsstätte)": "Musterstadt", "Angemeldete Tätigkeit": "Schreinerei",
    "Beginn der Tätigkeit": "01.03.2026", "Art des Betriebes": "Handwerk",
}  # fmt: skip
HUND = {
    "Name": "Musterfrau", "Vorname": "Petra", "Straße": "Lindenallee 23", "PLZ": "12345",
    "Ort": "Musterstadt", "Rasse": "Dackel", "Haltung seit": "1.10.26",
}  # fmt: skip
SONDER = {
    "Name / Firma": "Café Beispiel", "Straße": "Marktplatz", "Hausnummer": "2", "PLZ": "12345",
    "Ort": "Musterstadt", "Straße (Sondernutzung)": "Marktplatz", "Art der Nutzung": "Tische",
    "Fläche in m²": "12,5", "Zeitraum von": "01.04.2027", "Zeitraum bis": "31.10.2027",
}  # fmt: skip
MAENGEL = {"Art des Mangels": "Schlagloch", "Straße": "Lindenallee", "Beschreibung": "Tief."}
VALID = {
    "gewerbeanmeldung": GEWERBE, "hundesteuer_anmeldung": HUND, "sondernutzung": SONDER,
    "maengelmeldung": MAENGEL,
}  # fmt: skip


def errors(form_type: str, fields: dict[str, str]) -> dict[str, str]:
    result = validate_form(form_type, fields)
    assert result.form is None
    return {error.field: error.message for error in result.errors}


def test_registry_ids_and_titles() -> None:
    assert set(FORM_TYPES) == {
        "gewerbeanmeldung", "hundesteuer_anmeldung", "sondernutzung", "maengelmeldung"
    }  # fmt: skip
    for form_type, form in FORM_TYPES.items():
        assert form.form_type == form_type and form.title
        assert all(pattern == pattern.lower() for pattern in form.title_patterns)
        assert set(form.aliases) <= set(form.model_fields)
        assert alias_index(form)  # raises if two fields claim one label


@pytest.mark.parametrize("form_type", sorted(VALID))
def test_valid_forms(form_type: str) -> None:
    result = validate_form(form_type, VALID[form_type])
    assert result.ok and result.errors == [] and result.form is not None
    assert result.form.subject_line() and isinstance(result.form.applicant_name(), str)


def test_gewerbe_values_and_normalisation() -> None:
    fields = GEWERBE | {"Beschäftigte Vollzeit": "3", "Nebenerwerb": "X", "Unbekannt": "egal"}
    form = validate_form("gewerbeanmeldung", fields).form
    assert isinstance(form, Gewerbeanmeldung)
    assert form.legal_form is Rechtsform.GMBH and form.business_kind is Betriebsart.HANDWERK
    assert form.model_dump()["employees_full_time"] == 3 and form.model_dump()["side_business"]
    assert form.applicant_name() == "Anna Beispiel"


@pytest.mark.parametrize(
    "label",
    ["PLZ (Betriebsstätte)", "PLZ (Betriebsstaette):", "plz_betriebsstaette",
     "betriebsstaette.plz", "Betriebsstätte.Anschrift.PLZ", "POSTLEITZAHL (BETRIEBSSTÄTTE)",
     "antrag.daten.betrieb.plz", "site_postal_code"],
)  # fmt: skip
def test_label_spellings(label: str) -> None:
    fields = {k: v for k, v in GEWERBE.items() if k != "PLZ (Betriebsstätte)"} | {label: "54321"}
    form = validate_form("gewerbeanmeldung", fields).form
    assert form is not None and form.model_dump()["site_postal_code"] == "54321"


def test_german_error_messages() -> None:
    fields = GEWERBE | {
        "PLZ (Betriebsstätte)": "1234", "Beginn der Tätigkeit": "31.04.2026",
        "Beschäftigte Vollzeit": "drei", "Rechtsform": "Kolchose", "Vorname": "",
    }  # fmt: skip
    del fields["Angemeldete Tätigkeit"]
    found = errors("gewerbeanmeldung", fields)
    assert found == {
        "Vorname (Betriebsinhaber)": "Pflichtangabe fehlt",
        "Rechtsform": found["Rechtsform"],
        "Postleitzahl (Betriebsstätte)": "Postleitzahl muss aus genau 5 Ziffern bestehen",
        "Angemeldete Tätigkeit": "Pflichtangabe fehlt",
        "Beginn der Tätigkeit": "Datum ungültig: diesen Tag gibt es im Kalender nicht",
        "Beschäftigte (Vollzeit)": "Ganze Zahl erwartet",
    }
    assert found["Rechtsform"].startswith("Ungültige Auswahl (möglich: Einzelunternehmen")
    assert "Kolchose" not in " ".join(found.values())


def test_numbers_and_periods() -> None:
    found = errors("sondernutzung", SONDER | {"Fläche in m²": "0", "Zeitraum bis": "31.03.2027"})
    assert found == {
        "Fläche in m²": "Wert muss größer als 0 sein",
        "Zeitraum bis": "Zeitraum ungültig: Ende liegt vor dem Beginn",
    }
    assert errors("sondernutzung", SONDER | {"Fläche in m²": "viel"}) == {
        "Fläche in m²": "Zahl erwartet (z. B. 12,5)"
    }
    form = validate_form("sondernutzung", SONDER | {"Zeitraum bis": "01.04.2027"}).form
    assert form is not None and form.model_dump()["area_m2"] == 12.5


def test_hundesteuer_iban_and_dog() -> None:
    iban = iban_with_check_digits("DE", "999999990012345678")
    form = validate_form(
        "hundesteuer_anmeldung",
        HUND | {"IBAN": iban.lower(), "Wurfjahr": "2021", "Geschlecht": "weiblich",
                "Listenhund": "nein", "Chipnummer": "276 0981 0654 3210"},
    ).form  # fmt: skip
    assert form is not None
    dumped = form.model_dump()
    assert dumped["iban"] == iban and dumped["dog_born"] == 2021
    assert dumped["dog_sex"] == "Hündin" and dumped["chip_number"] == "276098106543210"
    assert (dumped["street"], dumped["house_number"]) == ("Lindenallee", "23")
    wrong = iban[:-1] + str((int(iban[-1]) + 1) % 10)
    assert errors("hundesteuer_anmeldung", HUND | {"IBAN": wrong, "Chipnummer": "123"}) == {
        "Chipnummer": "Chipnummer muss aus genau 15 Ziffern bestehen (ISO 11784)",
        "IBAN": "IBAN ist ungültig (Prüfziffer falsch)",
    }


def test_maengelmeldung_anonymous_place_and_gps() -> None:
    form = validate_form("maengelmeldung", MAENGEL).form
    assert form is not None and form.applicant_name() == ""
    no_place = {"Art des Mangels": "Müll", "Beschreibung": "Sperrmüll"}
    assert errors("maengelmeldung", no_place) == {
        "Ortsbeschreibung": "Bitte Straße oder eine Ortsbeschreibung angeben"
    }
    described = validate_form("maengelmeldung", no_place | {"Ort": "am Spielplatz"}).form
    assert described is not None and described.model_dump()["defect_kind"] == "Verunreinigung"
    assert "Längengrad" in errors("maengelmeldung", MAENGEL | {"Breitengrad": "50,1"})
    assert errors("maengelmeldung", MAENGEL | {"lat": "40,1", "lon": "8"}) == {
        "Breitengrad": "Wert muss mindestens 47,2 sein"
    }
    future = errors("maengelmeldung", MAENGEL | {"Festgestellt am": "1.1.2099"})
    assert future == {"Festgestellt am": "Datum ungültig: liegt in der Zukunft"}


@pytest.mark.parametrize(
    ("typed", "kind"),
    [("schlagloch", Mangelart.SCHLAGLOCH), ("Straßenlaterne kaputt", Mangelart.BELEUCHTUNG),
     ("STRASSENBELEUCHTUNG", Mangelart.BELEUCHTUNG), ("Graffiti", Mangelart.VERUNREINIGUNG),
     ("beschaedigtes verkehrszeichen", Mangelart.VERKEHRSZEICHEN),
     ("Gehweg uneben", Mangelart.GEHWEGSCHADEN), ("sonstiges", Mangelart.SONSTIGES)],
)  # fmt: skip
def test_lenient_choice(typed: str, kind: Mangelart) -> None:
    form = validate_form("maengelmeldung", MAENGEL | {"Art des Mangels": typed}).form
    assert form is not None and form.model_dump()["defect_kind"] == kind


# --- detection ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "title", "text", "expected"),
    [
        ({"formular": "maengelmeldung"}, None, "", "maengelmeldung"),
        ({"formType": "Hundesteuer-Anmeldung"}, None, "", "hundesteuer_anmeldung"),
        ({"meta.formular_typ": "sondernutzung"}, None, "", "sondernutzung"),
        ({"formular": "wohngeld_antrag"} | HUND, "Anmeldung zur Hundesteuer", "", None),
        ({}, "Gewerbeanmeldung", "", "gewerbeanmeldung"),
        ({}, "Anmeldung zur Hundesteuer", "", "hundesteuer_anmeldung"),
        ({}, None, "Stadt Musterstadt\nMängelmeldung\nBitte ausfüllen", "maengelmeldung"),
        ({}, "Scan 0042", "Antrag auf Sondernutzung öffentlicher Verkehrsflächen", "sondernutzung"),
        ({}, None, "x" * 2100 + " Gewerbeanmeldung", None),
        ({}, None, "Sehr geehrte Damen und Herren, anbei mein Antrag.", None),
        (GEWERBE, None, "", "gewerbeanmeldung"),
        (HUND, None, "", "hundesteuer_anmeldung"),
        (SONDER, None, "", "sondernutzung"),
        (MAENGEL, None, "", "maengelmeldung"),
        ({"Name": "A", "Vorname": "B", "Straße": "C", "PLZ": "12345", "Ort": "D"}, None, "", None),
        ({"Beschreibung": "x", "Name": "y"}, None, "", None),
    ],
)
def test_detect_form_type(
    fields: dict[str, str], title: str | None, text: str, expected: str | None
) -> None:
    assert detect_form_type(fields, title, text) == expected


def test_detect_prefers_first_mention() -> None:
    text = "Betreff: Hundesteuer-Anmeldung\nIch habe auch eine Gewerbeanmeldung geschickt."
    assert detect_form_type({}, None, text) == "hundesteuer_anmeldung"


# --- robustness and privacy --------------------------------------------------------------


@given(st.sampled_from(sorted(FORM_TYPES)), st.dictionaries(st.text(max_size=30), st.text()))
def test_validate_never_raises(form_type: str, fields: dict[str, str]) -> None:
    result = validate_form(form_type, fields)
    assert isinstance(result, FormValidation)
    assert (result.form is None) == bool(result.errors)
    detect_form_type(fields, next(iter(fields), None), " ".join(fields.values()))


def test_nothing_printed_or_logged(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    secret = "Geheimname"
    validate_form("gewerbeanmeldung", GEWERBE | {"Name": secret, "PLZ (Wohnung)": secret})
    detect_form_type({"Name": secret}, secret, secret)
    out, err = capsys.readouterr()
    assert secret not in out + err and secret not in caplog.text


def test_unknown_form_type_is_a_bug() -> None:
    with pytest.raises(KeyError):
        validate_form("wohngeld", {})


def test_models_import_nothing_from_upper_floors() -> None:
    files = [ROOT / "models" / "german.py", *(ROOT / "models" / "forms").glob("*.py")]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = (
                    [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else [alias.name for alias in node.names]
                )
                for name in names:
                    assert name.split(".")[0] not in {"flows", "tasks", "connectors", "app"}, path


def test_dates_are_dates() -> None:
    form = validate_form("gewerbeanmeldung", GEWERBE).form
    assert form is not None and form.model_dump()["start_date"] == date(2026, 3, 1)
