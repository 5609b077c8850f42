"""Mängelmeldung: a citizen reports damage or dirt in public space.

Anonymous reports are welcome (a pothole is a pothole, whoever saw it), so nothing about
the reporter is required; what is required is what the building yard needs to find and
judge the problem: the kind, a place (street or a description), and a description.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field, ValidationInfo, field_validator

from models.forms.base import MunicipalForm
from models.forms.choices import lenient_choice
from models.forms.labels import EMAIL, HOUSE_NUMBER, PHONE, STREET, qualified
from models.german import (
    Email,
    GermanDecimal,
    HouseNumber,
    JaNein,
    LongText,
    Name,
    PastDate,
    Phone,
    german_error,
)


class Mangelart(StrEnum):
    """Categories the building yard sorts reports into."""

    SCHLAGLOCH = "Schlagloch"
    BELEUCHTUNG = "Defekte Straßenbeleuchtung"
    VERUNREINIGUNG = "Verunreinigung"
    VERKEHRSZEICHEN = "Beschädigtes Verkehrszeichen"
    GEHWEGSCHADEN = "Gehwegschaden"
    SONSTIGES = "Sonstiges"


_M = Mangelart
_KIND_WORDS = {
    "Schlaglöcher": _M.SCHLAGLOCH, "Fahrbahnschaden": _M.SCHLAGLOCH,
    "Straßenschaden": _M.SCHLAGLOCH,
    "Straßenbeleuchtung": _M.BELEUCHTUNG, "Straßenlaterne": _M.BELEUCHTUNG,
    "Laterne": _M.BELEUCHTUNG, "Beleuchtung": _M.BELEUCHTUNG, "Müll": _M.VERUNREINIGUNG,
    "wilder Müll": _M.VERUNREINIGUNG, "Sperrmüll": _M.VERUNREINIGUNG,
    "Graffiti": _M.VERUNREINIGUNG, "Verschmutzung": _M.VERUNREINIGUNG,
    "Verkehrszeichen": _M.VERKEHRSZEICHEN, "Verkehrsschild": _M.VERKEHRSZEICHEN,
    "Straßenschild": _M.VERKEHRSZEICHEN, "Gehweg": _M.GEHWEGSCHADEN,
    "Bürgersteig": _M.GEHWEGSCHADEN, "Gehwegplatte": _M.GEHWEGSCHADEN,
    "Stolperfalle": _M.GEHWEGSCHADEN, "Sonstige": _M.SONSTIGES, "andere": _M.SONSTIGES,
}  # fmt: skip
_PLACE = ("Ort", "Mangel", "Schaden", "Meldung", "Fundort", "Standort", "Meldung.Ort")
_REPORTER = ("Melder", "Melderin", "Hinweisgeber", "Absender", "Kontakt")
_GPS = ("GPS", "Koordinaten", "Geo", "Position", "Standort")
Latitude = Annotated[GermanDecimal, Field(ge=47.2, le=55.1)]
Longitude = Annotated[GermanDecimal, Field(ge=5.8, le=15.1)]


class Maengelmeldung(MunicipalForm):
    """Meldung eines Mangels im öffentlichen Raum."""

    form_type: ClassVar[str] = "maengelmeldung"
    title: ClassVar[str] = "Mängelmeldung"
    title_patterns: ClassVar[tuple[str, ...]] = (
        "mängelmeldung", "mangelmeldung", "schadensmeldung", "meldung eines mangels",
        "mängelmelder", "mangel melden",
    )  # fmt: skip
    street_number_pairs: ClassVar[tuple[tuple[str, str], ...]] = (("street", "house_number"),)
    aliases: ClassVar[dict[str, tuple[str, ...]]] = {
        "defect_kind": ("Art des Mangels", "Mangelart", "Art des Schadens", "Kategorie",
                        "Meldung.Art", "Mangel.Art", "Meldung.Kategorie"),
        "street": STREET + qualified(STREET, _PLACE),
        "house_number": HOUSE_NUMBER + qualified(HOUSE_NUMBER, _PLACE),
        "location_description": ("Ortsbeschreibung", "Ort", "Ortsangabe", "Lage", "Fundort",
                                 "Ort.Beschreibung", "Meldung.Ort", "Meldung.Ortsbeschreibung"),
        "description": ("Beschreibung", "Beschreibung des Mangels", "Nachricht", "Ihre Nachricht",
                        "Meldung.Beschreibung", "Mangel.Beschreibung", "Meldung.Text"),
        "noticed_on": ("Festgestellt am", "Datum der Feststellung", "Datum", "Meldung.Datum",
                       "Meldung.festgestellt am"),
        "immediate_danger": ("Akute Gefahr", "Gefahr", "Gefahr für Personen", "Meldung.Gefahr"),
        "reporter_name": ("Name (Melder)", "Name", "Ihr Name", "Name des Melders",
                          *qualified(("Name",), _REPORTER)),
        "reporter_email": ("E-Mail (Melder)", *EMAIL, *qualified(EMAIL, _REPORTER)),
        "reporter_phone": ("Telefon (Melder)", *PHONE, *qualified(PHONE, _REPORTER)),
        "latitude": ("Breitengrad", "Latitude", "lat", *qualified(("lat", "Breite"), _GPS)),
        "longitude": ("Längengrad", "Longitude", "lon", "lng",
                      *qualified(("lon", "lng", "Länge"), _GPS)),
    }  # fmt: skip

    defect_kind: Annotated[Mangelart, lenient_choice(Mangelart, _KIND_WORDS)] = Field(
        title="Art des Mangels"
    )
    street: Name | None = Field(None, title="Straße")
    house_number: HouseNumber | None = Field(None, title="Hausnummer")
    location_description: LongText | None = Field(
        None, title="Ortsbeschreibung", validate_default=True
    )
    description: LongText = Field(title="Beschreibung")
    noticed_on: PastDate | None = Field(None, title="Festgestellt am")
    immediate_danger: JaNein = Field(False, title="Akute Gefahr")
    reporter_name: Name | None = Field(None, title="Name (Melder)")
    reporter_email: Email | None = Field(None, title="E-Mail (Melder)")
    reporter_phone: Phone | None = Field(None, title="Telefon (Melder)")
    latitude: Latitude | None = Field(None, title="Breitengrad")
    longitude: Longitude | None = Field(None, title="Längengrad", validate_default=True)

    @field_validator("location_description")
    @classmethod
    def _some_place(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and "street" in info.data and info.data["street"] is None:
            raise german_error("ort", "Bitte Straße oder eine Ortsbeschreibung angeben")
        return value

    @field_validator("longitude")
    @classmethod
    def _both_coordinates(cls, value: float | None, info: ValidationInfo) -> float | None:
        if "latitude" in info.data and (info.data["latitude"] is None) != (value is None):
            raise german_error("gps", "Koordinaten unvollständig: Breiten- und Längengrad angeben")
        return value

    def applicant_name(self) -> str:
        """Return the reporter's name, or "" for an anonymous report (no personal salutation)."""
        return self.reporter_name or ""

    def subject_line(self) -> str:
        """Name kind and place, e.g. "Mängelmeldung: Schlagloch, Lindenallee 12"."""
        place = " ".join(part for part in (self.street, self.house_number) if part)
        return f"Mängelmeldung: {self.defect_kind.value}, {place or self.location_description}"
