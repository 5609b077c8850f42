"""Antrag auf Sondernutzung öffentlicher Verkehrsflächen (scaffolding, containers, tables).

Using a street beyond ordinary traffic needs a permit (Sondernutzungserlaubnis, § 8
FStrG and the Länder road laws); the fee depends on kind, area and duration, so those
three must be clear before the road authority can decide.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field, ValidationInfo, field_validator

from models.forms.base import MunicipalForm
from models.forms.choices import lenient_choice
from models.forms.labels import EMAIL, PHONE, address_aliases, qualified
from models.german import (
    PLZ,
    Email,
    GermanDate,
    GermanDecimal,
    HouseNumber,
    JaNein,
    LongText,
    Name,
    Phone,
    german_error,
)


class Nutzungsart(StrEnum):
    """Kinds of special use the road authority distinguishes in its fee schedule."""

    BAUGERUEST = "Baugerüst"
    CONTAINER = "Container"
    AUSSENGASTRONOMIE = "Außengastronomie"
    WERBEANLAGE = "Werbeanlage"
    UMZUG = "Umzug/Halteverbot"
    SONSTIGES = "Sonstiges"


_N = Nutzungsart
_KIND_WORDS = {
    "Gerüst": _N.BAUGERUEST, "Fassadengerüst": _N.BAUGERUEST, "Mulde": _N.CONTAINER,
    "Bauschuttcontainer": _N.CONTAINER, "Absetzmulde": _N.CONTAINER,
    "Freischankfläche": _N.AUSSENGASTRONOMIE, "Tische und Stühle": _N.AUSSENGASTRONOMIE,
    "Bestuhlung": _N.AUSSENGASTRONOMIE, "Tische": _N.AUSSENGASTRONOMIE,
    "Stühle": _N.AUSSENGASTRONOMIE, "Freisitz": _N.AUSSENGASTRONOMIE,
    "Gastronomie": _N.AUSSENGASTRONOMIE,
    "Werbung": _N.WERBEANLAGE, "Werbeschild": _N.WERBEANLAGE, "Plakat": _N.WERBEANLAGE,
    "Kundenstopper": _N.WERBEANLAGE, "Aufsteller": _N.WERBEANLAGE, "Umzug": _N.UMZUG,
    "Halteverbot": _N.UMZUG, "Halteverbotszone": _N.UMZUG, "Möbelwagen": _N.UMZUG,
    "Sonstige": _N.SONSTIGES, "andere": _N.SONSTIGES,
}  # fmt: skip
_APPLICANT = ("Antragsteller", "Antragstellerin", "Antragsteller.Anschrift")
_SITE = ("Sondernutzung", "Ort der Sondernutzung", "Nutzungsort", "Standort",
         "Verkehrsfläche", "Ort", "Sondernutzung.Ort")  # fmt: skip
_PERIOD = ("Zeitraum", "Nutzung", "Sondernutzung")
_site_aliases = address_aliases("site_", "Sondernutzung", _SITE, bare=False)
del _site_aliases["site_city"]
_site_aliases["site_street"] += ("Ort der Sondernutzung", "Nutzungsort", "Standort")


class Sondernutzung(MunicipalForm):
    """Antrag auf Erteilung einer Sondernutzungserlaubnis."""

    form_type: ClassVar[str] = "sondernutzung"
    title: ClassVar[str] = "Antrag auf Sondernutzung öffentlicher Verkehrsflächen"
    title_patterns: ClassVar[tuple[str, ...]] = ("sondernutzung",)
    street_number_pairs: ClassVar[tuple[tuple[str, str], ...]] = (
        ("street", "house_number"), ("site_street", "site_house_number"),
    )  # fmt: skip
    aliases: ClassVar[dict[str, tuple[str, ...]]] = {
        "applicant": ("Name / Firma", "Name", "Firma", "Antragsteller", "Name, Vorname",
                      "applicant_name",
                      *qualified(("Name", "Firma", "Name / Firma"), ("Antragsteller",))),
        "contact_person": ("Ansprechpartner", "Ansprechpartnerin", "Antragsteller.Ansprechpartner"),
        **address_aliases("", None, _APPLICANT, bare=True),
        "phone": PHONE + qualified(PHONE, _APPLICANT),
        "email": EMAIL + qualified(EMAIL, _APPLICANT),
        **_site_aliases,
        "usage_kind": ("Art der Nutzung", "Art der Sondernutzung", "Nutzungsart", "Nutzung.Art",
                       "Sondernutzung.Art"),
        "area_m2": ("Fläche in m²", "Fläche", "Beantragte Fläche", "Fläche (m²)", "Fläche qm",
                    "Flaeche_qm", "Sondernutzung.Fläche", "Nutzung.Fläche"),
        "valid_from": ("Zeitraum von", "von", "vom", "Beginn", "Nutzung ab",
                       *qualified(("von", "Beginn"), _PERIOD)),
        "valid_until": ("Zeitraum bis", "bis", "Ende", "Nutzung bis",
                        *qualified(("bis", "Ende"), _PERIOD)),
        "traffic_order": ("Verkehrsrechtliche Anordnung beantragt", "Halteverbot beantragt",
                          "Verkehrsrechtliche Anordnung"),
        "description": ("Beschreibung", "Bemerkungen", "Erläuterung", "Anmerkungen",
                        "Sondernutzung.Beschreibung"),
    }  # fmt: skip

    applicant: Name = Field(title="Name / Firma (Antragsteller)")
    contact_person: Name | None = Field(None, title="Ansprechpartner")
    street: Name = Field(title="Straße (Antragsteller)")
    house_number: HouseNumber = Field(title="Hausnummer (Antragsteller)")
    postal_code: PLZ = Field(title="Postleitzahl (Antragsteller)")
    city: Name = Field(title="Ort (Antragsteller)")
    phone: Phone | None = Field(None, title="Telefon")
    email: Email | None = Field(None, title="E-Mail")
    site_street: Name = Field(title="Straße (Ort der Sondernutzung)")
    site_house_number: HouseNumber | None = Field(None, title="Hausnummer (Ort der Sondernutzung)")
    site_postal_code: PLZ | None = Field(None, title="Postleitzahl (Ort der Sondernutzung)")
    usage_kind: Annotated[Nutzungsart, lenient_choice(Nutzungsart, _KIND_WORDS)] = Field(
        title="Art der Nutzung"
    )
    area_m2: Annotated[GermanDecimal, Field(gt=0, le=100_000)] = Field(title="Fläche in m²")
    valid_from: GermanDate = Field(title="Zeitraum von")
    valid_until: GermanDate = Field(title="Zeitraum bis")
    traffic_order: JaNein = Field(False, title="Verkehrsrechtliche Anordnung beantragt")
    description: LongText | None = Field(None, title="Beschreibung")

    @field_validator("valid_until")
    @classmethod
    def _not_before_start(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("valid_from")
        if isinstance(start, date) and value < start:
            raise german_error("zeitraum", "Zeitraum ungültig: Ende liegt vor dem Beginn")
        return value

    def applicant_name(self) -> str:
        """Return the applicant (person or company) as written."""
        return self.applicant

    def subject_line(self) -> str:
        """Name kind, place, area, period: "Sondernutzung: Baugerüst, Markt 4, 12,5 m², ..."."""
        place = " ".join(part for part in (self.site_street, self.site_house_number) if part)
        area = f"{self.area_m2:g}".replace(".", ",")
        return (
            f"Sondernutzung: {self.usage_kind.value}, {place}, {area} m², "
            f"{self.valid_from:%d.%m.%Y}–{self.valid_until:%d.%m.%Y}"
        )
