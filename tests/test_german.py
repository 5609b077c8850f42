"""German value types: what they accept, what they reject, and that they never crash."""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from models.german import (
    AGS,
    IBAN,
    IBAN_LENGTHS,
    PLZ,
    Email,
    GermanDate,
    GermanDecimal,
    HouseNumber,
    JaNein,
    Name,
    PastDate,
    Phone,
    compact_key,
    iban_with_check_digits,
)

TYPES: dict[str, Any] = {
    "PLZ": PLZ, "IBAN": IBAN, "GermanDate": GermanDate, "PastDate": PastDate, "AGS": AGS,
    "Name": Name, "Phone": Phone, "Email": Email, "HouseNumber": HouseNumber,
    "JaNein": JaNein, "GermanDecimal": GermanDecimal,
}  # fmt: skip
ADAPTERS = {name: TypeAdapter(kind) for name, kind in TYPES.items()}


def messages(adapter: TypeAdapter[Any], value: object) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        adapter.validate_python(value)
    return [error["msg"] for error in caught.value.errors()]


# --- never anything but a ValidationError ------------------------------------------------

ANYTHING = st.one_of(
    st.text(), st.text(alphabet="0123456789 .-/,:+DEde"), st.integers(), st.floats(),
    st.none(), st.booleans(), st.binary(max_size=20), st.lists(st.text(), max_size=3),
)  # fmt: skip


@pytest.mark.parametrize("name", sorted(TYPES))
@given(value=ANYTHING)
def test_random_input_raises_only_validation_error(name: str, value: object) -> None:
    with contextlib.suppress(ValidationError):
        ADAPTERS[name].validate_python(value)


# --- PLZ ---------------------------------------------------------------------------------


@given(st.integers(1000, 99999))
def test_plz_accepts_five_digits_with_spaces(number: int) -> None:
    code = f"{number:05d}"
    spaced = f" {code[:2]} {code[2:]} "
    assert ADAPTERS["PLZ"].validate_python(spaced) == code


@pytest.mark.parametrize("value", ["1234", "123456", "12a45", "00000", "00123", "", "D-1234"])
def test_plz_rejects(value: str) -> None:
    assert any("Postleitzahl" in m for m in messages(ADAPTERS["PLZ"], value))


def test_plz_old_notation() -> None:
    assert ADAPTERS["PLZ"].validate_python("D-53111") == "53111"


# --- IBAN --------------------------------------------------------------------------------

GERMAN_BBAN = st.text(alphabet="0123456789", min_size=18, max_size=18)


@given(GERMAN_BBAN)
def test_generated_german_iban_passes_and_is_normalised(bban: str) -> None:
    iban = iban_with_check_digits("DE", bban)
    spaced = " ".join(iban[i : i + 4] for i in range(0, 22, 4)).lower()
    assert ADAPTERS["IBAN"].validate_python(spaced) == iban


@given(GERMAN_BBAN, st.integers(2, 21), st.integers(1, 9))
def test_any_single_digit_change_fails(bban: str, position: int, delta: int) -> None:
    iban = iban_with_check_digits("DE", bban)
    digit = str((int(iban[position]) + delta) % 10)
    changed = iban[:position] + digit + iban[position + 1 :]
    assert any("IBAN ist ungültig" in m for m in messages(ADAPTERS["IBAN"], changed))


@given(st.sampled_from(sorted(IBAN_LENGTHS)), st.data())
def test_every_sepa_country_length(country: str, data: st.DataObject) -> None:
    digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
    bban = "".join(data.draw(digits) for _ in range(IBAN_LENGTHS[country] - 4))
    iban = iban_with_check_digits(country, bban)
    assert ADAPTERS["IBAN"].validate_python(iban) == iban
    too_long = iban_with_check_digits(country, bban + "0")
    assert any("Länge" in m for m in messages(ADAPTERS["IBAN"], too_long))


def test_iban_known_examples() -> None:
    assert ADAPTERS["IBAN"].validate_python("DE89 3704 0044 0532 0130 00") == (
        "DE89370400440532013000"
    )
    assert messages(ADAPTERS["IBAN"], "DE88 3704 0044 0532 0130 00") == [
        "IBAN ist ungültig (Prüfziffer falsch)"
    ]
    assert "SEPA" in messages(ADAPTERS["IBAN"], iban_with_check_digits("US", "1" * 18))[0]


def test_error_messages_do_not_repeat_the_value() -> None:
    secret = "DE12999999991234567890"
    assert all(
        secret not in m and "1234567890" not in m for m in messages(ADAPTERS["IBAN"], secret)
    )


# --- dates -------------------------------------------------------------------------------

DATES = st.dates(date(1900, 1, 1), date(2100, 12, 31))


@given(DATES)
def test_date_round_trips(day: date) -> None:
    adapter = ADAPTERS["GermanDate"]
    for text in (f"{day:%d.%m.%Y}", f"{day.day}.{day.month}.{day.year}", day.isoformat()):
        assert adapter.validate_python(text) == day


@given(st.dates(date(1930, 1, 1), date(2029, 12, 31)))
def test_two_digit_year(day: date) -> None:
    pivot = (date.today().year + 1) % 100
    century = 2000 if day.year % 100 <= pivot else 1900
    expected = day.replace(year=century + day.year % 100)
    assert ADAPTERS["GermanDate"].validate_python(f"{day:%d.%m.%y}") == expected


@pytest.mark.parametrize("value", ["31.02.2026", "29.02.2025", "31.04.2026", "00.01.2026"])
def test_impossible_dates(value: str) -> None:
    assert messages(ADAPTERS["GermanDate"], value) == [
        "Datum ungültig: diesen Tag gibt es im Kalender nicht"
    ]


@pytest.mark.parametrize("value", ["2026/12/31", "Dezember 2026", "12.2026", "1.1.1800"])
def test_unreadable_dates(value: str) -> None:
    assert messages(ADAPTERS["GermanDate"], value)[0].startswith("Datum ungültig")


def test_past_date_refuses_the_future() -> None:
    assert "Zukunft" in messages(ADAPTERS["PastDate"], "31.12.2099")[0]
    assert ADAPTERS["PastDate"].validate_python("29.02.2024") == date(2024, 2, 29)


# --- AGS and the small helpers -----------------------------------------------------------


@given(st.integers(1, 16), st.integers(0, 999999))
def test_ags(land: int, rest: int) -> None:
    assert ADAPTERS["AGS"].validate_python(f"{land:02d}{rest:06d}") == f"{land:02d}{rest:06d}"


@pytest.mark.parametrize("value", ["00999001", "17000000", "0999900", "0999900a"])
def test_ags_rejects(value: str) -> None:
    assert "Gemeindeschlüssel" in messages(ADAPTERS["AGS"], value)[0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", "12"), ("12 A", "12a"), ("12-14", "12-14"), ("12 / 1", "12/1"), ("7b", "7b")],
)
def test_house_number(value: str, expected: str) -> None:
    assert ADAPTERS["HouseNumber"].validate_python(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("ja", True), ("X", True), ("/Yes", True), ("On", True), ("true", True), ("1", True),
     ("nein", False), ("/Off", False), ("false", False), ("0", False), ("", False)],
)  # fmt: skip
def test_ja_nein(value: str, expected: bool) -> None:
    assert ADAPTERS["JaNein"].validate_python(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12,5", 12.5), ("12.5", 12.5), ("1.234,5", 1234.5), ("1.234", 1234.0),
     ("12,5 m²", 12.5), ("30 qm", 30.0), ("1,234.5", 1234.5), (7, 7.0)],
)  # fmt: skip
def test_german_decimal(value: object, expected: float) -> None:
    assert ADAPTERS["GermanDecimal"].validate_python(value) == expected


@pytest.mark.parametrize("value", ["0228 77-0", "(0228) 770", "+49 228 770", "0170/1234567"])
def test_phone(value: str) -> None:
    assert ADAPTERS["Phone"].validate_python(value) == value


@pytest.mark.parametrize("value", ["12", "Tel. 0228", "0228 77 0 ext"])
def test_phone_rejects(value: str) -> None:
    assert messages(ADAPTERS["Phone"], value)[0].startswith("Telefonnummer ungültig")


def test_email() -> None:
    assert ADAPTERS["Email"].validate_python("Anna.B@Beispiel.EXAMPLE") == "Anna.B@beispiel.example"
    for bad in ("anna", "anna@", "anna@beispiel", "a b@c.de"):
        assert messages(ADAPTERS["Email"], bad)[0].startswith("E-Mail-Adresse ungültig")


def test_name() -> None:
    assert ADAPTERS["Name"].validate_python("  Anna   Maria ") == "Anna Maria"
    assert "Buchstaben" in messages(ADAPTERS["Name"], "1234")[0]
    assert "zu lang" in messages(ADAPTERS["Name"], "x" * 101)[0]


@pytest.mark.parametrize(
    ("label", "key"),
    [("PLZ (Betriebsstätte):", "plzbetriebsstaette"), ("betriebsstaette.plz", "betriebsstaetteplz"),
     ("STRASSE", "strasse"), ("Straße", "strasse"), ("Str.", "str"),
     ("Fläche in m²", "flaecheinm2")],
)  # fmt: skip
def test_compact_key(label: str, key: str) -> None:
    assert compact_key(label) == key
