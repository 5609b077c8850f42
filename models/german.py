"""German value types: what citizens type into municipal forms, parsed leniently.

Each type is a pydantic `Annotated` type whose validator accepts the spellings people
really use (``1.2.26``, ``DE89 3704 ...``, ``12,5 m²``, ``X`` for a ticked box) and
rejects the rest with a German message, because clerks read the errors. Messages never
repeat the typed value: errors travel into quarantine reasons and logs, and the values
are citizens' personal data. Every error is a `PydanticCustomError` whose type starts
with `ERROR_PREFIX`, so callers can tell our German messages from pydantic's English ones.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

ERROR_PREFIX = "de_"
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def german_error(kind: str, message: str) -> PydanticCustomError:
    """Build an error with a German message (no braces: the message is a template)."""
    return PydanticCustomError(ERROR_PREFIX + kind, message)


def fold_german(text: str) -> str:
    """Lower-case, spell umlauts as ae/oe/ue/ss, drop accents and collapse whitespace.

    Makes "Straße", "STRASSE" and "Strasse" compare equal, whatever the sender's keyboard.
    """
    folded = unicodedata.normalize("NFC", text).lower().translate(_UMLAUTS)
    plain = "".join(
        c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c)
    )
    return " ".join(plain.split())


def compact_key(text: str) -> str:
    """Keep only a-z, 0-9 of `fold_german`: "PLZ (Betriebsstätte):" -> "plzbetriebsstaette"."""
    return re.sub(r"[^a-z0-9]", "", fold_german(text))


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise german_error("typ", "Text erwartet")


def _bounded_text(max_length: int, need_letter: bool) -> Callable[[object], str]:
    def parse(value: object) -> str:
        text = " ".join(_as_text(value).split()) if need_letter else _as_text(value).strip()
        if not text:
            raise german_error("leer", "Angabe darf nicht leer sein")
        if len(text) > max_length:
            raise german_error("zu_lang", f"Angabe ist zu lang (höchstens {max_length} Zeichen)")
        if need_letter and not any(c.isalpha() for c in text):
            raise german_error("buchstabe", "Angabe muss mindestens einen Buchstaben enthalten")
        return text

    return parse


Name = Annotated[str, BeforeValidator(_bounded_text(100, need_letter=True))]
"""A person's or company's name, a street or a town: one line, with at least one letter."""
ShortText = Annotated[str, BeforeValidator(_bounded_text(200, need_letter=False))]
LongText = Annotated[str, BeforeValidator(_bounded_text(4000, need_letter=False))]


def _parse_plz(value: object) -> str:
    text = re.sub(r"\s+", "", _as_text(value))
    text = re.sub(r"^D-?", "", text, flags=re.IGNORECASE)  # old notation "D-53111"
    if not re.fullmatch(r"[0-9]{5}", text):
        raise german_error("plz", "Postleitzahl muss aus genau 5 Ziffern bestehen")
    if text.startswith("00"):
        raise german_error("plz", "Postleitzahl ist ungültig (keine beginnt mit 00)")
    return text


PLZ = Annotated[str, BeforeValidator(_parse_plz)]
"""German postal code; there are no codes starting with 00 (the lowest is 01067)."""

# SEPA countries (EU, EEA, CH, GB, microstates, and the 2024/25 accessions) -> IBAN length.
IBAN_LENGTHS: Mapping[str, int] = {
    "AD": 24, "AL": 28, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24,
    "DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23,
    "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20,
    "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MT": 31, "NL": 18,
    "NO": 15, "PL": 28, "PT": 25, "RO": 24, "RS": 22, "SE": 24, "SI": 19, "SK": 24,
    "SM": 27, "VA": 22,
}  # fmt: skip


def _mod97(text: str) -> int:
    return int("".join(str(int(c, 36)) for c in text[4:] + text[:4])) % 97


def iban_with_check_digits(country: str, bban: str) -> str:
    """Build an IBAN from country and BBAN (ISO 13616); for tests and sample data."""
    remainder = _mod97(f"{country}00{bban}")
    return f"{country}{98 - remainder:02d}{bban}"


def _parse_iban(value: object) -> str:
    text = re.sub(r"\s+", "", _as_text(value)).upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", text):
        raise german_error("iban", "IBAN ist ungültig (Ländercode, 2 Prüfziffern, Kontoangaben)")
    length = IBAN_LENGTHS.get(text[:2])
    if length is None:
        raise german_error("iban", "IBAN ist ungültig (Land gehört nicht zum SEPA-Raum)")
    if len(text) != length:
        raise german_error(
            "iban", f"IBAN ist ungültig (Länge: {text[:2]}-IBAN hat {length} Stellen)"
        )
    if text[:2] == "DE" and not text[4:].isdigit():
        raise german_error("iban", "IBAN ist ungültig (deutsche IBAN enthält nur Ziffern)")
    if text[2:4] in ("00", "01", "99") or _mod97(text) != 1:
        raise german_error("iban", "IBAN ist ungültig (Prüfziffer falsch)")
    return text


IBAN = Annotated[str, BeforeValidator(_parse_iban)]
"""SEPA IBAN, normalised to upper case without spaces (only SEPA accounts allow direct debit)."""

_DOTTED = re.compile(r"([0-9]{1,2})\.\s*([0-9]{1,2})\.\s*([0-9]{4}|[0-9]{2})")
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ][0-9:.]+(?:Z|[+-][0-9:]+)?)?")


def _expand_year(two_digits: int) -> int:
    """00 up to next year's two digits is this century, the rest the last one.

    In 2026: 27 -> 2027 (a date a year ahead), 28 -> 1928 (a birth date).
    """
    return 2000 + two_digits if two_digits <= (date.today().year + 1) % 100 else 1900 + two_digits


def _parse_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _as_text(value).strip()
    if dotted := _DOTTED.fullmatch(text):
        day, month, year = (int(part) for part in dotted.groups())
        year = _expand_year(year) if len(dotted.group(3)) == 2 else year
    elif iso := _ISO.fullmatch(text):
        year, month, day = (int(part) for part in iso.groups())
    else:
        raise german_error(
            "datum", "Datum ungültig: bitte als TT.MM.JJJJ angeben, z. B. 31.12.2026"
        )
    if not 1900 <= year <= 2100:
        raise german_error("datum", "Datum ungültig: Jahr muss zwischen 1900 und 2100 liegen")
    try:
        return date(year, month, day)
    except ValueError:
        raise german_error(
            "datum", "Datum ungültig: diesen Tag gibt es im Kalender nicht"
        ) from None


def _not_in_future(value: date) -> date:
    if value > date.today():
        raise german_error("zukunft", "Datum ungültig: liegt in der Zukunft")
    return value


GermanDate = Annotated[date, BeforeValidator(_parse_date)]
"""`31.12.2026`, `1.2.2026`, `01.02.26` (see `_expand_year`) or ISO `2026-12-31`."""
PastDate = Annotated[date, BeforeValidator(_parse_date), AfterValidator(_not_in_future)]
"""A `GermanDate` that cannot lie ahead, e.g. a birth date or the day damage was seen."""


def _parse_ags(value: object) -> str:
    text = re.sub(r"\s+", "", _as_text(value))
    if not re.fullmatch(r"[0-9]{8}", text):
        raise german_error("ags", "Gemeindeschlüssel muss aus genau 8 Ziffern bestehen")
    if not 1 <= int(text[:2]) <= 16:
        raise german_error("ags", "Gemeindeschlüssel ungültig (Land 01 bis 16)")
    return text


AGS = Annotated[str, BeforeValidator(_parse_ags)]
"""Amtlicher Gemeindeschlüssel: Land (2), Regierungsbezirk (1), Kreis (2), Gemeinde (3)."""


def _parse_phone(value: object) -> str:
    text = " ".join(_as_text(value).split())
    digits = sum(c in "0123456789" for c in text)
    if not re.fullmatch(r"\+?[0-9 ()/.\-]+", text) or not 5 <= digits <= 20:
        raise german_error(
            "telefon", "Telefonnummer ungültig (nur Ziffern, Leerzeichen, + / - ( ))"
        )
    return text


Phone = Annotated[str, BeforeValidator(_parse_phone)]
"""Lenient: "0228 77-0", "(0228) 770", "+49 228 770"; only the characters are checked."""

_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(?:\.[^@\s.]+)+")


def _parse_email(value: object) -> str:
    text = _as_text(value).strip()
    if len(text) > 254 or not _EMAIL.fullmatch(text):
        raise german_error("email", "E-Mail-Adresse ungültig (Beispiel: name@beispiel.de)")
    local, domain = text.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


Email = Annotated[str, BeforeValidator(_parse_email)]
"""A plausible address (email-validator is not installed; the clerk's reply will tell)."""

_HOUSE = re.compile(r"([0-9]{1,4})\s*([a-z]?)(?:\s*([-/])\s*([0-9]{1,4})\s*([a-z]?))?")


def _parse_house_number(value: object) -> str:
    found = _HOUSE.fullmatch(_as_text(value).strip().lower())
    if not found or found.group(1).startswith("0"):
        raise german_error("hausnummer", "Hausnummer ungültig (Beispiele: 12, 12a, 12-14, 12/1)")
    return "".join(part or "" for part in found.groups())


HouseNumber = Annotated[str, BeforeValidator(_parse_house_number)]
"""Normalised to "12a", "12-14", "12/1" (no spaces, lower-case letter)."""

_YES = {"ja", "j", "x", "true", "1", "on", "yes", "y", "wahr", "an", "checked", "✓", "☑", "☒"}
_NO = {"nein", "n", "false", "0", "off", "no", "falsch", "aus", "", "☐", "-"}


def _parse_yes_no(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = fold_german(_as_text(value)).lstrip("/")  # PDF checkboxes: "/Yes", "/Off"
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise german_error("ja_nein", "Bitte ja oder nein angeben")


JaNein = Annotated[bool, BeforeValidator(_parse_yes_no)]
"""ja/nein, x, true/false, 1/0, On/Off, PDF checkbox states "/Yes" and "/Off"."""


def _parse_decimal(value: object) -> float:
    if isinstance(value, float | int) and not isinstance(value, bool):
        text = str(value)
    else:
        text = re.sub(r"\s*(m2|qm|quadratmeter)$", "", fold_german(_as_text(value)))
    text = text.replace(" ", "")
    if re.fullmatch(r"[+-]?[0-9]{1,3}(\.[0-9]{3})+(,[0-9]+)?", text):  # German 1.234,5
        text = text.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"[+-]?[0-9]{1,3}(,[0-9]{3})+\.[0-9]+", text):  # English 1,234.5
        text = text.replace(",", "")
    elif re.fullmatch(r"[+-]?[0-9]+([.,][0-9]+)?", text):
        text = text.replace(",", ".")
    else:
        raise german_error("zahl", "Zahl erwartet (z. B. 12,5)")
    return float(text)


GermanDecimal = Annotated[float, BeforeValidator(_parse_decimal)]
"""Decimal comma or point; "1.234" with three digits after the dot is German thousands."""
