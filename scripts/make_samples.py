"""Blank form templates, the demo's sample inbox, and submissions for the benchmark.

Run `python scripts/make_samples.py` to (re)write `templates/forms/` and
`samples/musterstadt/inbox/`; the output is deterministic and committed. Building the
PDF templates needs reportlab (a development tool, never imported by product code);
filling them, and `generate_submissions`, need only pypdf and python-docx. All people,
companies and accounts are fictitious (bank code 99999999 does not exist).
"""

from __future__ import annotations

import hashlib
import json
import random
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, ByteStringObject

from models.forms import FORM_TYPES, MunicipalForm
from models.german import iban_with_check_digits

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates" / "forms"
INBOX = ROOT / "samples" / "musterstadt" / "inbox"
FIXED = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
DOCX_FORMS = ("gewerbeanmeldung", "maengelmeldung")  # the second uses content controls
IBAN_OK = iban_with_check_digits("DE", "999999990012345678")
IBAN_OK_2 = iban_with_check_digits("DE", "999999990087654321")


class _StableWriter(PdfWriter):
    """A PdfWriter whose file identifier (and thus RC4 key) is fixed: same input, same bytes."""

    def generate_file_identifiers(self) -> None:
        self._ID = ArrayObject([ByteStringObject(b"amtsflow-sample!")] * 2)


def printed_fields(form: type[MunicipalForm]) -> list[tuple[str, str, bool]]:
    """(field name, printed label, is checkbox) in form order; the label names the PDF field."""
    out = []
    for name, info in form.model_fields.items():
        label = form.aliases[name][0]
        assert "." not in label, label  # a dot would split the PDF field name
        out.append((name, label, info.annotation is bool))
    return out


def by_label(form_type: str, values: Mapping[str, str]) -> dict[str, str]:
    """Values keyed by field name -> keyed by the printed label."""
    labels = {name: label for name, label, _ in printed_fields(FORM_TYPES[form_type])}
    return {labels[name]: value for name, value in values.items()}


# --- templates ---------------------------------------------------------------------------


def pdf_template(form_type: str) -> bytes:
    """A blank fillable A4 form: printed labels, one AcroForm field per model field."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    form = FORM_TYPES[form_type]
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.setTitle(form.title)
    pdf.setAuthor("Stadt Musterstadt")
    pdf.setFont("Helvetica-Bold", 15)
    pdf.drawString(50, 800, form.title)
    pdf.setFont("Helvetica", 8)
    pdf.drawString(50, 786, "Stadt Musterstadt · Bitte vollständig ausfüllen und zurücksenden.")
    y = 760
    for _, label, checkbox in printed_fields(form):
        if y < 50:
            pdf.showPage()
            y = 800
        pdf.setFont("Helvetica", 9)
        pdf.drawString(50, y + 4, label)
        if checkbox:
            pdf.acroForm.checkbox(
                name=label, tooltip=label, x=250, y=y, size=13, fieldFlags="", borderWidth=1
            )
        else:
            pdf.acroForm.textfield(
                name=label, tooltip=label, x=250, y=y, width=300, height=16, fontSize=9,
                borderWidth=1, maxlen=2000, fieldFlags="",
            )  # fmt: skip
        y -= 23
    pdf.save()
    return buffer.getvalue()


def _content_control(paragraph: Any, tag: str, alias: str) -> None:
    """Append a plain-text Word content control showing its placeholder to `paragraph`."""
    sdt = OxmlElement("w:sdt")
    properties = OxmlElement("w:sdtPr")
    for name, value in (("w:alias", alias), ("w:tag", tag)):
        element = OxmlElement(name)
        element.set(qn("w:val"), value)
        properties.append(element)
    properties.append(OxmlElement("w:showingPlcHdr"))
    properties.append(OxmlElement("w:text"))
    content = OxmlElement("w:sdtContent")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "Bitte eingeben"
    run.append(text)
    content.append(run)
    sdt.extend([properties, content])
    paragraph._p.append(sdt)


def docx_template(form_type: str, controls: bool) -> bytes:
    """A blank Word form: heading, two-column label/value table; values in content controls.

    Content controls carry the German label as `w:alias` (what Word shows) and the field
    name as `w:tag` (what software reads), as a form author would set them up.
    """
    form = FORM_TYPES[form_type]
    document = docx.Document()
    properties = document.core_properties
    properties.title, properties.author = form.title, "Stadt Musterstadt"
    properties.created = properties.modified = FIXED.replace(tzinfo=None)
    properties.revision = 1
    document.add_heading(form.title, level=1)
    document.add_paragraph("Stadt Musterstadt · Bitte ausfüllen und per E-Mail zurücksenden.")
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for name, label, _ in printed_fields(form):
        cells = table.add_row().cells
        cells[0].text = label
        if controls:
            _content_control(cells[1].paragraphs[0], tag=name, alias=label)
    return _stable_zip(_save(document))


def _save(document: Any) -> bytes:
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _stable_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps, so the same document gives the same bytes."""
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


@cache
def template_bytes(name: str) -> bytes:
    """A committed template from `templates/forms/`, built on the fly if it is missing."""
    path = TEMPLATES / name
    if path.is_file():
        return path.read_bytes()
    stem, suffix = name.rsplit(".", 1)
    if suffix == "pdf":
        return pdf_template(stem)
    return docx_template(stem, controls=stem == DOCX_FORMS[1])


# --- filling -----------------------------------------------------------------------------


def fill_pdf(form_type: str, values: Mapping[str, str], password: str | None = None) -> bytes:
    """Fill the PDF template; `values` by field name, checkboxes "ja"/"nein"."""
    form = FORM_TYPES[form_type]
    writer = _StableWriter(clone_from=PdfReader(BytesIO(template_bytes(f"{form_type}.pdf"))))
    checkboxes = {name for name, _, box in printed_fields(form) if box}
    filled = {
        label: ("/Yes" if value == "ja" else "/Off") if name in checkboxes else value
        for name, label, value in (
            (name, label, values[name]) for name, label, _ in printed_fields(form) if name in values
        )
    }
    for page in writer.pages:
        writer.update_page_form_field_values(page, filled, auto_regenerate=False)
    writer.set_need_appearances_writer(True)  # after: auto_regenerate=False clears the flag
    if password:
        writer.encrypt(password, algorithm="RC4-128")
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def fill_docx(form_type: str, values: Mapping[str, str]) -> bytes:
    """Fill the Word template: table value cells, or the content controls if it has them."""
    document = docx.Document(BytesIO(template_bytes(f"{form_type}.docx")))
    labels = {label: name for name, label, _ in printed_fields(FORM_TYPES[form_type])}
    for row in document.tables[0].rows:
        value = values.get(labels.get(row.cells[0].text, ""), "")
        sdt = row.cells[1]._tc.find(".//" + qn("w:sdt"))
        if sdt is None:
            row.cells[1].text = value
        elif value:
            placeholder = sdt.find(qn("w:sdtPr")).find(qn("w:showingPlcHdr"))
            sdt.find(qn("w:sdtPr")).remove(placeholder)
            sdt.find(".//" + qn("w:t")).text = value
    return _stable_zip(_save(document))


def mail(
    subject: str, body: str, sender: str, number: int, attachment: tuple[str, bytes] | None = None
) -> bytes:
    """An e-mail to the municipality's inbox, optionally with one attached file."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "posteingang@musterstadt.example"
    message["Subject"] = subject
    message["Date"] = format_datetime(FIXED)
    message["Message-ID"] = f"<sample-{number:06d}@musterstadt.example>"
    message.set_content(body)
    if attachment is not None:
        name, data = attachment
        message.add_attachment(data, maintype="application", subtype="pdf", filename=name)
        message.set_boundary(f"==amtsflow-sample-{number:06d}==")
    return bytes(message)


def to_json(data: Mapping[str, Any]) -> bytes:
    """A web-form submission as its portal would send it."""
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()


# --- the demo inbox ----------------------------------------------------------------------

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


# --- benchmark submissions ---------------------------------------------------------------

FIRST = ("Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hannes", "Ida", "Jonas",
         "Karla", "Lukas", "Mia", "Noah", "Olga", "Paul", "Rosa", "Simon", "Tara",
         "Uwe")  # fmt: skip
LAST = ("Beispiel", "Muster", "Probe", "Exempel", "Vorlage", "Entwurf", "Modell", "Schablone",
        "Musterfrau", "Mustermann", "Testfeld", "Platzhalter")  # fmt: skip
STREETS = ("Lindenweg", "Hauptstraße", "Am Markt", "Schulstraße", "Birkenallee", "Mühlweg",
           "Gartenstraße", "Kirchgasse", "Bahnhofstraße", "Rosenweg", "Hafenstraße")  # fmt: skip
ACTIVITIES = ("Friseursalon", "Einzelhandel mit Lebensmitteln", "Softwareentwicklung",
              "Hausmeisterdienste", "Imbiss", "Fahrradreparatur", "Malerbetrieb")  # fmt: skip
KINDS = {"gewerbeanmeldung": ("Industrie", "Handwerk", "Handel", "Sonstiges"),
         "sondernutzung": ("Baugerüst", "Container", "Außengastronomie", "Umzug", "Werbeanlage"),
         "maengelmeldung": ("Schlagloch", "Laterne defekt", "wilder Müll", "Verkehrsschild",
                            "Gehwegschaden", "Sonstiges")}  # fmt: skip


@dataclass(frozen=True)
class Submission:
    """One generated file and what intake should make of it."""

    path: Path
    form_type: str
    valid: bool


def _date(rng: random.Random, first: int, last: int) -> str:
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(first, last)
    return rng.choice((f"{day:02d}.{month:02d}.{year}", f"{day}.{month}.{year}",
                       f"{year}-{month:02d}-{day:02d}"))  # fmt: skip


def _values(form_type: str, rng: random.Random) -> dict[str, str]:
    """Plausible values for one form, by field name."""
    first, last, street = rng.choice(FIRST), rng.choice(LAST), rng.choice(STREETS)
    house, plz = str(rng.randint(1, 199)), f"{rng.randint(10000, 99999)}"
    kind = rng.choice(KINDS.get(form_type, ("",)))
    if form_type == "gewerbeanmeldung":
        return {
            "owner_last_name": last, "owner_first_name": first,
            "owner_birth_date": _date(rng, 1950, 2004), "nationality": "deutsch",
            "owner_street": street, "owner_house_number": house, "owner_postal_code": plz,
            "owner_city": "Musterstadt", "legal_form": rng.choice(("Einzelunternehmen", "GmbH")),
            "site_street": rng.choice(STREETS), "site_house_number": str(rng.randint(1, 99)),
            "site_postal_code": plz, "site_city": "Musterstadt",
            "activity": rng.choice(ACTIVITIES), "start_date": _date(rng, 2026, 2027),
            "business_kind": kind, "employees_full_time": str(rng.randint(0, 20)),
        }  # fmt: skip
    if form_type == "hundesteuer_anmeldung":
        bban = f"99999999{rng.randrange(10**10):010d}"
        return {
            "holder_last_name": last, "holder_first_name": first, "street": street,
            "house_number": house, "postal_code": plz, "city": "Musterstadt",
            "dog_breed": rng.choice(("Dackel", "Pudel", "Mischling", "Beagle", "Boxer")),
            "dog_name": rng.choice(("Bello", "Luna", "Rex", "Nala")),
            "held_since": _date(rng, 2025, 2026), "iban": iban_with_check_digits("DE", bban),
            "dangerous_dog": "nein",
        }  # fmt: skip
    if form_type == "sondernutzung":
        start = rng.randint(1, 20)
        return {
            "applicant": f"{first} {last}", "street": street, "house_number": house,
            "postal_code": plz, "city": "Musterstadt", "site_street": rng.choice(STREETS),
            "usage_kind": kind, "area_m2": f"{rng.randint(1, 80)},{rng.randint(0, 9)}",
            "valid_from": f"{start:02d}.05.2027",
            "valid_until": f"{start + rng.randint(0, 8)}.05.2027",
        }  # fmt: skip
    return {
        "defect_kind": kind, "street": street, "house_number": house,
        "description": f"{kind} bei Hausnummer {house}, bitte prüfen.",
        "noticed_on": _date(rng, 2025, 2025),
        **({"reporter_name": f"{first} {last}"} if rng.random() < 0.5 else {}),
    }  # fmt: skip


_BREAK: dict[str, Callable[[dict[str, str]], object]] = {
    "gewerbeanmeldung": lambda v: v.update(site_postal_code="1234"),
    "hundesteuer_anmeldung": lambda v: v.update(iban=v["iban"][:-1] + str(9 - int(v["iban"][-1]))),
    "sondernutzung": lambda v: v.update(valid_from="31.05.2027", valid_until="01.05.2027"),
    "maengelmeldung": lambda v: v.pop("description"),
}


def _file(
    form_type: str, values: dict[str, str], roll: float, labelled: bool, number: int
) -> tuple[str, bytes]:
    """One submission in the container `roll` picks: 40/30/20/10 JSON/PDF/DOCX/EML."""
    if roll < 0.4:
        if labelled:
            return "json", to_json({"formular": form_type, **by_label(form_type, values)})
        return "json", to_json({"form_type": form_type, "daten": values})
    if roll < 0.7:
        return "pdf", fill_pdf(form_type, values)
    if roll < 0.9:
        return "docx", fill_docx(form_type, values)
    attachment = (f"antrag-{number}.pdf", fill_pdf(form_type, values))
    return "eml", mail("Antrag", COVER_LETTER, "buerger@example.org", number, attachment)


def generate_submissions_with_expectations(
    out_dir: Path, count: int, seed: int
) -> list[Submission]:
    """Write `count` distinct submissions to `out_dir`; about 5 % are invalid on purpose."""
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    result: list[Submission] = []
    while len(result) < count:
        number = len(result) + 1
        container_roll = rng.random()
        forms = DOCX_FORMS if 0.7 <= container_roll < 0.9 else tuple(FORM_TYPES)
        form_type = rng.choice(forms)
        values = _values(form_type, rng)
        valid = rng.random() >= 0.05
        if not valid:
            _BREAK[form_type](values)
        ext, data = _file(form_type, values, container_roll, rng.random() < 0.5, number)
        digest = hashlib.sha256(data).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        path = out_dir / f"sub-{number:06d}.{ext}"
        path.write_bytes(data)
        result.append(Submission(path, form_type, valid))
    return result


def generate_submissions(out_dir: Path, count: int, seed: int) -> list[Path]:
    """Write `count` distinct mixed submissions (JSON, PDF, DOCX, EML) for the benchmark."""
    return [s.path for s in generate_submissions_with_expectations(out_dir, count, seed)]


def write_all() -> None:
    """Write templates and inbox (the README beside the inbox is written by hand)."""
    TEMPLATES.mkdir(parents=True, exist_ok=True)
    for form_type in FORM_TYPES:
        (TEMPLATES / f"{form_type}.pdf").write_bytes(pdf_template(form_type))
    for form_type in DOCX_FORMS:
        data = docx_template(form_type, controls=form_type == DOCX_FORMS[1])
        (TEMPLATES / f"{form_type}.docx").write_bytes(data)
    template_bytes.cache_clear()
    INBOX.mkdir(parents=True, exist_ok=True)
    for name, data, _ in inbox_files():
        (INBOX / name).write_bytes(data)


if __name__ == "__main__":
    write_all()
