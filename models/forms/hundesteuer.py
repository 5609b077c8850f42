"""Hundesteuer-Anmeldung: registering a dog for the municipal dog tax.

The tax office needs the holder, the dog, since when it is kept (tax is owed from the
following month), whether it is a "Listenhund" (higher rate) and, optionally, a SEPA
mandate to collect the tax.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BeforeValidator, Field

from models.forms.base import MunicipalForm
from models.forms.choices import lenient_choice
from models.forms.labels import EMAIL, PHONE, address_aliases, qualified
from models.german import (
    IBAN,
    PLZ,
    Email,
    GermanDate,
    HouseNumber,
    JaNein,
    Name,
    PastDate,
    Phone,
    german_error,
)


class Geschlecht(StrEnum):
    """Sex of the dog, as the tax office writes it."""

    RUEDE = "Rüde"
    HUENDIN = "Hündin"


_SEX_WORDS = {
    "männlich": Geschlecht.RUEDE, "m": Geschlecht.RUEDE, "male": Geschlecht.RUEDE,
    "weiblich": Geschlecht.HUENDIN, "w": Geschlecht.HUENDIN, "female": Geschlecht.HUENDIN,
}  # fmt: skip


def _chip_number(value: object) -> str:
    text = re.sub(r"[\s.\-]+", "", value if isinstance(value, str) else str(value))
    if not re.fullmatch(r"[0-9]{15}", text):
        raise german_error("chip", "Chipnummer muss aus genau 15 Ziffern bestehen (ISO 11784)")
    return text


def _born(value: object) -> object:
    """Keep a litter year ("2021") as a year; anything else must be a date."""
    text = str(value).strip() if isinstance(value, str | int) else ""
    if re.fullmatch(r"[0-9]{4}", text):
        if not 1990 <= int(text) <= date.today().year:
            raise german_error("wurfjahr", "Wurfjahr ungültig")
        return int(text)
    return value


ChipNumber = Annotated[str, BeforeValidator(_chip_number)]
_HOLDER = ("Halter", "Hundehalter", "Halterin", "Steuerpflichtiger")
_HOLDER_ADDRESS = (*_HOLDER, *(f"{holder}.Anschrift" for holder in _HOLDER), "Anschrift")
_DOG = ("Hund", "Hundes")


class HundesteuerAnmeldung(MunicipalForm):
    """Anmeldung eines Hundes zur Hundesteuer."""

    form_type: ClassVar[str] = "hundesteuer_anmeldung"
    title: ClassVar[str] = "Anmeldung zur Hundesteuer"
    title_patterns: ClassVar[tuple[str, ...]] = (
        "hundesteueranmeldung", "hundesteuer-anmeldung", "anmeldung zur hundesteuer",
        "anmeldung eines hundes", "hundeanmeldung", "anmeldung hundesteuer",
    )  # fmt: skip
    street_number_pairs: ClassVar[tuple[tuple[str, str], ...]] = (("street", "house_number"),)
    aliases: ClassVar[dict[str, tuple[str, ...]]] = {
        "holder_last_name": ("Name", "Nachname", "Familienname",
                             *qualified(("Name", "Nachname"), _HOLDER)),
        "holder_first_name": ("Vorname", *qualified(("Vorname",), _HOLDER)),
        "holder_birth_date": ("Geburtsdatum", *qualified(("Geburtsdatum",), _HOLDER)),
        **address_aliases("", None, _HOLDER_ADDRESS, bare=True),
        "phone": PHONE + qualified(PHONE, _HOLDER),
        "email": EMAIL + qualified(EMAIL, _HOLDER),
        "dog_breed": ("Rasse", "Hunderasse", "Rasse / Mischling", *qualified(("Rasse",), _DOG)),
        "dog_name": ("Name des Hundes", "Hundename", "Rufname", "Hund.Name"),
        "dog_born": ("Wurfdatum / Wurfjahr", "Wurfdatum", "Wurfjahr", "Geburtsdatum des Hundes",
                     "Hund.Geburtsdatum", "Hund.Wurfdatum", "Hund.Wurfjahr", "dog_birth"),
        "dog_sex": ("Geschlecht des Hundes", "Geschlecht", "Hund.Geschlecht"),
        "chip_number": ("Chipnummer", "Transpondernummer", "Mikrochip", "Hund.Chipnummer",
                        "Hund.Chip"),
        "held_since": ("Haltung seit", "Gehalten seit", "Beginn der Haltung", "Hund seit",
                       "Hund.Haltung seit", "Hund.gehalten seit"),
        "dangerous_dog": ("Listenhund / gefährlicher Hund", "Listenhund", "Gefährlicher Hund",
                          "Kampfhund", "Hund.Listenhund", "Hund.gefährlich"),
        "reduction_requested": ("Ermäßigung beantragt", "Ermäßigung", "Steuerermäßigung"),
        "iban": ("IBAN", *qualified(("IBAN",), ("SEPA", "Lastschrift", "Bankverbindung"))),
        "account_holder": ("Kontoinhaber", "Kontoinhaberin", "Name des Kontoinhabers",
                           *qualified(("Kontoinhaber",), ("SEPA", "Lastschrift",
                                                          "Bankverbindung"))),
    }  # fmt: skip

    holder_last_name: Name = Field(title="Name (Halter)")
    holder_first_name: Name = Field(title="Vorname (Halter)")
    holder_birth_date: PastDate | None = Field(None, title="Geburtsdatum (Halter)")
    street: Name = Field(title="Straße")
    house_number: HouseNumber = Field(title="Hausnummer")
    postal_code: PLZ = Field(title="Postleitzahl")
    city: Name = Field(title="Ort")
    phone: Phone | None = Field(None, title="Telefon")
    email: Email | None = Field(None, title="E-Mail")
    dog_breed: Name = Field(title="Rasse")
    dog_name: Name | None = Field(None, title="Name des Hundes")
    dog_born: Annotated[PastDate | int, BeforeValidator(_born)] | None = Field(
        None, title="Wurfdatum / Wurfjahr"
    )
    dog_sex: Annotated[Geschlecht, lenient_choice(Geschlecht, _SEX_WORDS)] | None = Field(
        None, title="Geschlecht des Hundes"
    )
    chip_number: ChipNumber | None = Field(None, title="Chipnummer")
    held_since: GermanDate = Field(title="Haltung seit")
    dangerous_dog: JaNein = Field(False, title="Listenhund / gefährlicher Hund")
    reduction_requested: JaNein = Field(False, title="Ermäßigung beantragt")
    iban: IBAN | None = Field(None, title="IBAN")
    account_holder: Name | None = Field(None, title="Kontoinhaber")

    def applicant_name(self) -> str:
        """Return the holder's full name."""
        return f"{self.holder_first_name} {self.holder_last_name}"

    def subject_line(self) -> str:
        """Name the dog and the start, e.g. "... Dackel (Bello), gehalten seit 01.03.2026"."""
        dog = f"{self.dog_breed} ({self.dog_name})" if self.dog_name else self.dog_breed
        return f"Anmeldung zur Hundesteuer: {dog}, gehalten seit {self.held_since:%d.%m.%Y}"
