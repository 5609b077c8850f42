"""Musterstadt's labelled history: the examples its first trained model learns from.

Forms (rendered the way the classifier sees them) plus free-text letters for each label.
Deterministic: the same seed writes the same bytes (gzip without a timestamp).
"""

from __future__ import annotations

import gzip
import json
import random
import tempfile
from pathlib import Path

from connectors.documents import parse_document
from scripts.samples.bulk import LAST, STREETS, generate_submissions_with_expectations
from tasks.classification.extract import classification_text

FORM_LABELS = {
    "gewerbeanmeldung": "Gewerbe",
    "hundesteuer_anmeldung": "Steuern und Abgaben",
    "sondernutzung": "Straßen und Verkehrsflächen",
    "maengelmeldung": "Straßen und Verkehrsflächen",
}
LETTERS = {
    "Gewerbe": (
        "Hiermit melde ich mein Gewerbe {what} zum {date} ab.",
        "Ich möchte meinen Betrieb ({what}) in die {street} verlegen und bitte um Ummeldung.",
        "Wir planen einen Stand auf dem Wochenmarkt ({what}). Welche Erlaubnis brauchen wir?",
        "Bitte senden Sie mir eine Gewerbeauskunft über meinen Betrieb {what}.",
        "Für das Straßenfest möchten wir einen Ausschank betreiben. Gaststättenrecht?",
    ),
    "Steuern und Abgaben": (
        "Gegen den Grundsteuerbescheid vom {date} (Kassenzeichen {num}) lege ich Widerspruch ein.",
        "Mein Hund ist am {date} verstorben. Bitte melden Sie ihn von der Hundesteuer ab.",
        "Ich bitte um Stundung der Gewerbesteuer-Vorauszahlung, Kassenzeichen {num}.",
        "Anbei das SEPA-Lastschriftmandat für die Abfallgebühren, Kassenzeichen {num}.",
        "Die Abwassergebühr für {year} erscheint mir zu hoch, bitte prüfen Sie den Bescheid.",
    ),
    "Straßen und Verkehrsflächen": (
        "In der {street} vor Haus {house} ist seit Tagen die Straßenlaterne aus.",
        "Für die Verlegung eines Hausanschlusses beantragen wir eine Aufgrabung in der {street}.",
        "Das Verkehrszeichen an der Ecke {street} ist umgefahren worden.",
        "Der Gehweg in der {street} ist durch Wurzeln angehoben, Stolpergefahr.",
        "Wir bitten um ein Halteverbot für den Umzug am {date} in der {street} {house}.",
    ),
    "Sonstiges": (
        "Hiermit bewerbe ich mich um die ausgeschriebene Stelle im Bürgerbüro.",
        "Wann hat das Bürgerbüro am {date} geöffnet? Ich brauche einen neuen Personalausweis.",
        "Unser Verein lädt den Bürgermeister herzlich zum Sommerfest am {date} ein.",
        "Sonderangebot: Büromaterial jetzt 20 % günstiger, bestellen Sie bis {date}!",
        "Ich möchte mich für die schnelle Hilfe Ihrer Mitarbeiterin bedanken.",
        "Bitte um Auskunft, ob der Friedhof am {date} für Besucher geöffnet ist.",
    ),
}


def _letter(label: str, rng: random.Random) -> str:
    sentences = rng.sample(LETTERS[label], k=2)
    values = {
        "what": rng.choice(("Imbiss", "Friseursalon", "Onlinehandel", "Malerbetrieb")),
        "date": f"{rng.randint(1, 28)}.{rng.randint(1, 12)}.2026",
        "street": rng.choice(STREETS),
        "house": str(rng.randint(1, 120)),
        "num": str(rng.randint(100000, 999999)),
        "year": str(rng.randint(2022, 2026)),
    }
    name = rng.choice(LAST)
    body = " ".join(s.format(**values) for s in sentences)
    return f"Sehr geehrte Damen und Herren,\n{body}\nMit freundlichen Grüßen\n{name}"


def history(
    seed: int = 2026, forms: int = 160, letters_per_label: int = 45
) -> list[dict[str, str]]:
    """The labelled examples (text, label)."""
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for sub in generate_submissions_with_expectations(Path(tmp), forms, seed):
            if not sub.valid:
                continue
            parsed = parse_document(sub.path, max_bytes=1 << 24)
            text = classification_text(parsed).text
            if text:
                rows.append({"text": text, "label": FORM_LABELS[sub.form_type]})
    for label in LETTERS:
        rows += [{"text": _letter(label, rng), "label": label} for _ in range(letters_per_label)]
    rng.shuffle(rows)
    return rows


def write_history(path: Path, seed: int = 2026) -> None:
    """Write the history as gzipped JSON lines."""
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in history(seed)).encode()
    path.write_bytes(gzip.compress(data, mtime=0))
