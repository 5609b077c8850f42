"""Gewerbeanmeldung: the core of the official form GewA 1 (§ 14 Gewerbeordnung).

Only what the municipality needs to open a case and route it; the statistical
details of the full form (Gewerbekennzahl etc.) are left to the clerk's system.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field

from models.forms.base import MunicipalForm
from models.forms.choices import lenient_choice
from models.forms.labels import EMAIL, PHONE, address_aliases, qualified
from models.german import (
    PLZ,
    Email,
    GermanDate,
    HouseNumber,
    JaNein,
    LongText,
    Name,
    PastDate,
    Phone,
    ShortText,
)


class Rechtsform(StrEnum):
    """Legal forms as printed on GewA 1 (abridged)."""

    EINZELUNTERNEHMEN = "Einzelunternehmen"
    EINGETRAGENER_KAUFMANN = "Eingetragener Kaufmann (e. K.)"
    GBR = "GbR"
    OHG = "OHG"
    KG = "KG"
    GMBH_CO_KG = "GmbH & Co. KG"
    GMBH = "GmbH"
    UG = "UG (haftungsbeschränkt)"
    AG = "AG"
    EG = "eG"
    PARTG = "Partnerschaftsgesellschaft"
    VEREIN = "Eingetragener Verein (e. V.)"
    SONSTIGE = "Sonstige"


class Betriebsart(StrEnum):
    """Field "Art des angemeldeten Betriebes" of GewA 1."""

    INDUSTRIE = "Industrie"
    HANDWERK = "Handwerk"
    HANDEL = "Handel"
    SONSTIGES = "Sonstiges"


_R, _B = Rechtsform, Betriebsart
_LEGAL_FORM_WORDS = {
    "Einzelunternehmer": _R.EINZELUNTERNEHMEN, "Einzelunternehmerin": _R.EINZELUNTERNEHMEN,
    "Einzelfirma": _R.EINZELUNTERNEHMEN, "Kleingewerbe": _R.EINZELUNTERNEHMEN,
    "e.K.": _R.EINGETRAGENER_KAUFMANN, "e.Kfr.": _R.EINGETRAGENER_KAUFMANN,
    "eingetragene Kauffrau": _R.EINGETRAGENER_KAUFMANN,
    "eingetragener Kaufmann": _R.EINGETRAGENER_KAUFMANN,
    "Gesellschaft bürgerlichen Rechts": _R.GBR, "offene Handelsgesellschaft": _R.OHG,
    "Kommanditgesellschaft": _R.KG, "Gesellschaft mit beschränkter Haftung": _R.GMBH,
    "UG": _R.UG, "Unternehmergesellschaft": _R.UG, "Aktiengesellschaft": _R.AG,
    "Genossenschaft": _R.EG, "PartG": _R.PARTG, "PartG mbB": _R.PARTG,
    "e.V.": _R.VEREIN, "Verein": _R.VEREIN, "Sonstiges": _R.SONSTIGE, "andere": _R.SONSTIGE,
}  # fmt: skip
_KIND_WORDS = {
    "Industriebetrieb": _B.INDUSTRIE, "Handwerksbetrieb": _B.HANDWERK,
    "Einzelhandel": _B.HANDEL, "Großhandel": _B.HANDEL, "Sonstige": _B.SONSTIGES,
    "Dienstleistung": _B.SONSTIGES, "Dienstleistungen": _B.SONSTIGES,
}  # fmt: skip

_OWNER = ("Wohnung", "Wohnanschrift", "Anschrift der Wohnung", "Betriebsinhaber", "Inhaber",
          "Betriebsinhaber.Anschrift", "Inhaber.Anschrift", "Privatanschrift")  # fmt: skip
_SITE = ("Betriebsstätte", "Betrieb", "Betriebsanschrift", "Anschrift der Betriebsstätte",
         "Betriebsstätte.Anschrift", "Betrieb.Anschrift")  # fmt: skip
_HOLDER = ("Betriebsinhaber", "Inhaber", "Betriebsinhaberin")
Count = Annotated[int, Field(ge=0, le=1_000_000)]


class Gewerbeanmeldung(MunicipalForm):
    """Anmeldung eines Gewerbes nach § 14 GewO (Vordruck GewA 1)."""

    form_type: ClassVar[str] = "gewerbeanmeldung"
    title: ClassVar[str] = "Gewerbeanmeldung"
    title_patterns: ClassVar[tuple[str, ...]] = (
        "gewerbeanmeldung", "gewerbe-anmeldung", "anmeldung eines gewerbes", "gewa 1",
    )  # fmt: skip
    street_number_pairs: ClassVar[tuple[tuple[str, str], ...]] = (
        ("owner_street", "owner_house_number"), ("site_street", "site_house_number"),
    )  # fmt: skip
    aliases: ClassVar[dict[str, tuple[str, ...]]] = {
        "owner_last_name": ("Name", "Nachname", "Familienname", "Name des Betriebsinhabers",
                            *qualified(("Name", "Nachname"), _HOLDER)),
        "owner_first_name": ("Vorname", "Vornamen", *qualified(("Vorname",), _HOLDER)),
        "owner_birth_date": ("Geburtsdatum", "geboren am", "geb.",
                             *qualified(("Geburtsdatum",), _HOLDER)),
        "nationality": ("Staatsangehörigkeit", "Nationalität",
                        *qualified(("Staatsangehörigkeit",), _HOLDER)),
        **address_aliases("owner_", "Wohnung", _OWNER, bare=True),
        "registered_name": ("Name im Handelsregister", "Im Handelsregister eingetragener Name",
                            "Firmenname", "Firma", "Betrieb.Name", "Betrieb.Firmenname"),
        "register_court": ("Registergericht", "Amtsgericht", "Ort des Registereintrags",
                           "Betrieb.Registergericht"),
        "register_number": ("Registernummer", "Handelsregisternummer", "HR-Nummer",
                            "Nr. des Registereintrags", "Betrieb.Registernummer"),
        "legal_form": ("Rechtsform", "Betrieb.Rechtsform"),
        **address_aliases("site_", "Betriebsstätte", _SITE, bare=False),
        "activity": ("Angemeldete Tätigkeit", "Tätigkeit", "Gegenstand des Gewerbes",
                     "Betrieb.Tätigkeit"),
        "start_date": ("Beginn der Tätigkeit", "Beginn", "Tätigkeitsbeginn", "Betrieb.Beginn"),
        "business_kind": ("Art des Betriebes", "Art des Betriebs", "Betriebsart", "Betrieb.Art"),
        "side_business": ("Nebenerwerb", "Im Nebenerwerb", "Betrieb.Nebenerwerb"),
        "employees_full_time": ("Beschäftigte Vollzeit", "Vollzeitbeschäftigte",
                                "Zahl der Beschäftigten (Vollzeit)", "Beschäftigte.Vollzeit"),
        "employees_part_time": ("Beschäftigte Teilzeit", "Teilzeitbeschäftigte",
                                "Zahl der Beschäftigten (Teilzeit)", "Beschäftigte.Teilzeit"),
        "phone": PHONE + qualified(PHONE, ("Kontakt",)),
        "email": EMAIL + qualified(EMAIL, ("Kontakt",)),
    }  # fmt: skip

    owner_last_name: Name = Field(title="Name (Betriebsinhaber)")
    owner_first_name: Name = Field(title="Vorname (Betriebsinhaber)")
    owner_birth_date: PastDate = Field(title="Geburtsdatum (Betriebsinhaber)")
    nationality: Name = Field(title="Staatsangehörigkeit")
    owner_street: Name = Field(title="Straße (Wohnung)")
    owner_house_number: HouseNumber = Field(title="Hausnummer (Wohnung)")
    owner_postal_code: PLZ = Field(title="Postleitzahl (Wohnung)")
    owner_city: Name = Field(title="Ort (Wohnung)")
    legal_form: Annotated[Rechtsform, lenient_choice(Rechtsform, _LEGAL_FORM_WORDS)] = Field(
        title="Rechtsform"
    )
    registered_name: ShortText | None = Field(None, title="Name im Handelsregister")
    register_court: Name | None = Field(None, title="Registergericht")
    register_number: ShortText | None = Field(None, title="Registernummer")
    site_street: Name = Field(title="Straße (Betriebsstätte)")
    site_house_number: HouseNumber = Field(title="Hausnummer (Betriebsstätte)")
    site_postal_code: PLZ = Field(title="Postleitzahl (Betriebsstätte)")
    site_city: Name = Field(title="Ort (Betriebsstätte)")
    activity: LongText = Field(title="Angemeldete Tätigkeit")
    start_date: GermanDate = Field(title="Beginn der Tätigkeit")
    business_kind: Annotated[Betriebsart, lenient_choice(Betriebsart, _KIND_WORDS)] = Field(
        title="Art des Betriebes"
    )
    side_business: JaNein = Field(False, title="Nebenerwerb")
    employees_full_time: Count | None = Field(None, title="Beschäftigte (Vollzeit)")
    employees_part_time: Count | None = Field(None, title="Beschäftigte (Teilzeit)")
    phone: Phone | None = Field(None, title="Telefon")
    email: Email | None = Field(None, title="E-Mail")

    def applicant_name(self) -> str:
        """Return the owner's full name; a registered company name is in the subject line."""
        return f"{self.owner_first_name} {self.owner_last_name}"

    def subject_line(self) -> str:
        """Name activity, start and place: "Gewerbeanmeldung: Schreinerei ab 01.03.2026, Ort"."""
        begin: date = self.start_date
        return (
            f"Gewerbeanmeldung: {self.activity.splitlines()[0][:80]} "
            f"ab {begin:%d.%m.%Y}, {self.site_city}"
        )
