"""The demo's sample inbox: fifteen submissions, valid and broken, with expected outcomes."""

from __future__ import annotations

from typing import Any

from scripts.samples.common import IBAN_OK, IBAN_OK_2
from scripts.samples.filling import fill_docx, fill_pdf, mail, to_json

GEWERBE = {
    "owner_last_name": "Beispiel", "owner_first_name": "Anna", "owner_birth_date": "14.07.1986",
    "nationality": "deutsch", "owner_street": "Lindenweg", "owner_house_number": "4",
    "owner_postal_code": "12345", "owner_city": "Musterstadt", "legal_form": "GmbH",
    "registered_name": "Beispiel Holzbau GmbH", "register_court": "Amtsgericht Musterstadt",
    "register_number": "HRB 4711", "site_street": "Gewerbering", "site_house_number": "12a",
    "site_postal_code": "12347", "site_city": "Musterstadt",
    "activity": "Schreinerei: Herstellung und Montage von Möbeln, Innenausbau",
    "start_date": "01.03.2026", "business_kind": "Handwerk", "side_business": "nein",
    "employees_full_time": "3", "employees_part_time": "1", "phone": "0123 45678-0",
    "email": "info@beispiel-holzbau.example",
}  # fmt: skip
GEWERBE_DOCX = {
    "owner_last_name": "Yılmaz", "owner_first_name": "Deniz", "owner_birth_date": "3.9.1994",
    "nationality": "türkisch", "owner_street": "Am Mühlbach 7", "owner_postal_code": "12345",
    "owner_city": "Musterstadt", "legal_form": "Einzelunternehmer", "site_street": "Am Mühlbach",
    "site_house_number": "7", "site_postal_code": "12345", "site_city": "Musterstadt",
    "activity": "Online-Handel mit gebrauchter Kinderkleidung", "start_date": "15.01.27",
    "business_kind": "Einzelhandel", "side_business": "ja", "email": "deniz@beispiel.example",
}  # fmt: skip
GEWERBE_BAD = GEWERBE | {
    "owner_last_name": "Probe", "owner_first_name": "Paul", "registered_name": "Probe Bau GmbH",
    "register_number": "HRB 815", "site_postal_code": "1234", "start_date": "31.04.2026",
}  # fmt: skip
HUND_PDF = {
    "holder_last_name": "Musterfrau", "holder_first_name": "Petra", "street": "Lindenallee",
    "house_number": "23", "postal_code": "12345", "city": "Musterstadt",
    "phone": "(0123) 98 76 54", "dog_breed": "Labrador-Mischling", "dog_name": "Bello",
    "dog_born": "2021", "dog_sex": "Rüde", "chip_number": "276 0981 0654 3210",
    "held_since": "01.10.2026", "dangerous_dog": "nein", "reduction_requested": "nein",
    "iban": " ".join(IBAN_OK[i : i + 4] for i in range(0, len(IBAN_OK), 4)),
    "account_holder": "Petra Musterfrau",
}  # fmt: skip
HUND_MAIL = {
    "holder_last_name": "Mustermann", "holder_first_name": "Klaus",
    "holder_birth_date": "02.02.1961", "street": "Eichenweg 5", "postal_code": "12345",
    "city": "Musterstadt", "dog_breed": "Rauhaardackel", "dog_name": "Waldi",
    "dog_born": "12.05.2020", "dog_sex": "w", "held_since": "15.09.2026",
    "dangerous_dog": "nein", "reduction_requested": "ja", "iban": IBAN_OK_2,
}  # fmt: skip
MAENGEL_DOCX = {
    "defect_kind": "Straßenlaterne defekt", "location_description":
    "Fußweg zwischen Schulstraße und Sportplatz, dritte Laterne", "description":
    "Die Laterne bleibt seit einer Woche dunkel; der Weg ist abends sehr finster.",
    "noticed_on": "24.11.26", "reporter_name": "Lena Beispiel",
    "reporter_email": "lena.beispiel@example.org",
}  # fmt: skip
MAENGEL_PDF = {
    "defect_kind": "Verkehrsschild umgefahren", "street": "Bahnhofstraße", "house_number": "30",
    "description": "Das Vorfahrtsschild an der Einmündung liegt auf dem Gehweg.",
    "noticed_on": "2026-11-23", "immediate_danger": "ja", "latitude": "51,0504",
    "longitude": "13,7373", "reporter_phone": "0170 1234567",
}  # fmt: skip
MAENGEL_LOCKED = {
    "defect_kind": "Gehwegschaden", "street": "Rosengasse", "house_number": "2",
    "description": "Gehwegplatte angehoben, Stolpergefahr.", "reporter_name": "Tom Probe",
}  # fmt: skip
SONDER_PDF = {
    "applicant": "Umzüge Beispiel KG", "street": "Hafenstraße", "house_number": "1",
    "postal_code": "12349", "city": "Musterstadt", "site_street": "Kirchgasse",
    "site_house_number": "8", "usage_kind": "Halteverbotszone für Umzug", "area_m2": "30",
    "valid_from": "05.12.2026", "valid_until": "05.12.2026", "traffic_order": "ja",
}  # fmt: skip
FORM_MAILER = """\
Folgende Angaben wurden über das Online-Formular gesendet:

Formular: Antrag auf Sondernutzung öffentlicher Verkehrsflächen
Name / Firma: Gerüstbau Beispiel GmbH
Ansprechpartner: Jonas Beispiel
Straße: Industriestraße 7
PLZ: 12345
Ort: Musterstadt
Telefon: 0123 456789
E-Mail: info@geruestbau-beispiel.example
Straße (Sondernutzung): Marktplatz
Hausnummer (Sondernutzung): 3
Art der Nutzung: Gerüst
Fläche (m²): 12,5
Zeitraum von: 01.02.27
Zeitraum bis: 28.02.2027
Beschreibung: Fassadengerüst vor dem Rathauscafé, Gehweg bleibt 1,5 m frei.

Diese E-Mail wurde automatisch erzeugt.
"""
COVER_LETTER = """\
Sehr geehrte Damen und Herren,

anbei erhalten Sie das ausgefüllte Formular für unseren neuen Familienhund.

Mit freundlichen Grüßen
Klaus Mustermann
"""


def _json_samples() -> dict[str, dict[str, Any]]:
    bad_iban = IBAN_OK[:-1] + str((int(IBAN_OK[-1]) + 1) % 10)
    return {
        "maengel": {
            "formular": "maengelmeldung", "eingang": "2026-11-20T08:15:00+01:00",
            "meldung": {
                "kategorie": "Schlagloch",
                "ort": {"strasse": "Lindenallee", "hausnummer": "12",
                        "beschreibung": "Einmündung Kirchgasse, Fahrbahnmitte"},
                "beschreibung": "Tiefes Schlagloch, Radfahrer müssen ausweichen.",
                "festgestellt_am": "2026-11-19", "gefahr": True,
                "gps": {"lat": 49.8712, "lon": 10.8934},
            },
            "melder": {"name": None, "email": None},
        },
        "hund_bad_iban": {
            "formular": "Hundesteuer-Anmeldung",
            "halter": {"name": "Probe", "vorname": "Sabine",
                       "anschrift": {"strasse": "Birkenstraße", "hausnummer": "9",
                                     "plz": "12345", "ort": "Musterstadt"}},
            "hund": {"rasse": "Border Collie", "name": "Luna", "wurfjahr": 2023,
                     "geschlecht": "weiblich", "chipnummer": "276098106543211",
                     "haltung_seit": "2026-09-01", "listenhund": False},
            "sepa": {"iban": bad_iban, "kontoinhaber": "Sabine Probe"},
        },
        "sonder_snake": {
            "form_type": "sondernutzung", "applicant": "Café Beispiel",
            "contact_person": "Luca Beispiel", "street": "Marktplatz", "house_number": "2",
            "postal_code": "12345", "city": "Musterstadt", "phone": "+49 123 4567",
            "email": "cafe@beispiel.example", "site_street": "Marktplatz",
            "site_house_number": "2", "usage_kind": "Tische und Stühle", "area_m2": 18.5,
            "valid_from": "2027-04-01", "valid_until": "2027-10-31",
            "description": "6 Tische und 24 Stühle vor dem Café.",
        },
        "unknown": {
            "formular": "wohngeld_antrag",
            "antragsteller": {"name": "Probe", "vorname": "Erika", "strasse": "Ulmenweg",
                              "hausnummer": "3", "plz": "12345", "ort": "Musterstadt"},
            "haushalt": {"personen": 3, "miete_monatlich": "780,00"},
        },
    }  # fmt: skip


def inbox_files() -> list[tuple[str, bytes, str]]:
    """(file name, bytes, expected outcome) of the demo inbox, in file name order."""
    js = _json_samples()
    sonder = fill_pdf("sondernutzung", SONDER_PDF)
    return [
        ("eingang-0001.pdf", fill_pdf("gewerbeanmeldung", GEWERBE), "case gewerbeanmeldung"),
        ("eingang-0002.json", to_json(js["maengel"]), "case maengelmeldung"),
        ("eingang-0003.json", to_json(js["hund_bad_iban"]), "quarantine IBAN"),
        ("eingang-0004.docx", fill_docx("gewerbeanmeldung", GEWERBE_DOCX), "case gewerbeanmeldung"),
        ("eingang-0005.eml", mail("Online-Antrag Sondernutzung", FORM_MAILER,
                                  "formular@musterstadt.example", 5), "case sondernutzung"),
        ("eingang-0006.pdf", b"", "quarantine empty"),
        ("eingang-0007.pdf", fill_pdf("hundesteuer_anmeldung", HUND_PDF),
         "case hundesteuer_anmeldung"),
        ("eingang-0008.txt", to_json(js["sonder_snake"]), "case sondernutzung"),
        ("eingang-0009.pdf", fill_pdf("gewerbeanmeldung", GEWERBE_BAD),
         "quarantine PLZ (Betriebsstätte), Beginn der Tätigkeit"),
        ("eingang-0010.docx", fill_docx("maengelmeldung", MAENGEL_DOCX), "case maengelmeldung"),
        ("eingang-0011.pdf", fill_pdf("maengelmeldung", MAENGEL_LOCKED, password="geheim"),
         "quarantine encrypted"),
        ("eingang-0012.dat", fill_pdf("maengelmeldung", MAENGEL_PDF), "case maengelmeldung"),
        ("eingang-0013.json", to_json(js["unknown"]), "quarantine unknown form"),
        ("eingang-0014.eml", mail("Formular im Anhang", COVER_LETTER, "k.mustermann@example.org",
                                  14, ("Hundeanmeldung.pdf",
                                       fill_pdf("hundesteuer_anmeldung", HUND_MAIL))),
         "case hundesteuer_anmeldung (attachment)"),
        ("eingang-0015.pdf", sonder[: len(sonder) // 3], "quarantine damaged"),
    ]  # fmt: skip
