"""Many distinct random submissions, mixed containers, about 5 % invalid: for the benchmark."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from models.forms import FORM_TYPES
from models.german import iban_with_check_digits
from scripts.samples.common import DOCX_FORMS, by_label
from scripts.samples.filling import fill_docx, fill_pdf, mail, to_json
from scripts.samples.inbox import COVER_LETTER

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
