"""Runs in plain German: state names, and what a failed run means and what to do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from models.deployment_plan import FLOW_TITLES

BERLIN = ZoneInfo("Europe/Berlin")

STATE_NAMES: dict[str, str] = {
    "SCHEDULED": "geplant",
    "PENDING": "startet gleich",
    "RUNNING": "läuft",
    "COMPLETED": "abgeschlossen",
    "FAILED": "fehlgeschlagen",
    "CRASHED": "abgebrochen (Absturz)",
    "CANCELLING": "wird abgebrochen",
    "CANCELLED": "abgebrochen",
    "PAUSED": "wartet auf eine Entscheidung",
}
FINAL = frozenset({"COMPLETED", "FAILED", "CRASHED", "CANCELLED"})


@dataclass(frozen=True)
class Explanation:
    """What went wrong, in words a clerk understands, and what to do next."""

    what: str
    todo: str


#: (text in the state message, explanation); the first match wins.
_KNOWN: list[tuple[str, Explanation]] = [
    (
        "TenantGuardError",
        Explanation(
            "Der Ablauf ist für eine andere Gemeinde eingerichtet und wurde aus Sicherheits"
            "gründen angehalten, bevor er Daten gelesen oder geschrieben hat.",
            "Bitte den IT-Dienstleister informieren und die Laufnummer nennen.",
        ),
    ),
    (
        "PathEscapeError",
        Explanation(
            "Ein angegebener Ordner liegt außerhalb der Ordner Ihrer Gemeinde.",
            "Bitte ohne Ordnerangabe oder mit einem eingetragenen Eingangsordner neu starten.",
        ),
    ),
    (
        "FileNotFoundError",
        Explanation(
            "Ein benötigter Ordner oder eine Datei wurde nicht gefunden "
            "(zum Beispiel der Eingangsordner).",
            "Prüfen Sie, ob der Eingangsordner erreichbar ist, und starten Sie den Lauf neu. "
            "Bereits verarbeitete Dokumente werden dabei nicht doppelt angelegt.",
        ),
    ),
    (
        "Tenant",
        Explanation(
            "Die Einstellungen Ihrer Gemeinde (Gemeinde-Datei) sind unvollständig oder fehlerhaft.",
            "Bitte den IT-Dienstleister informieren; er sieht den Fehler mit "
            "„amtsflow tenants validate“.",
        ),
    ),
    (
        "Ollama",
        Explanation(
            "Der Dienst für die automatische Einordnung war nicht erreichbar.",
            "Starten Sie den Lauf später erneut; nicht eingeordnete Dokumente bleiben erhalten.",
        ),
    ),
    (
        "Connection",
        Explanation(
            "Ein angebundenes System (z. B. Ratsinformationssystem) war nicht erreichbar.",
            "Starten Sie den Lauf später erneut. Hält der Fehler an, den IT-Dienstleister "
            "informieren.",
        ),
    ),
    (
        "Correction",
        Explanation(
            "Die Korrekturen der Freigabe nannten Tagesordnungspunkte, die es nicht gibt.",
            "Starten Sie die Vorbereitung der Tagesordnung neu und prüfen Sie die TOP-Nummern.",
        ),
    ),
]
_CRASHED = Explanation(
    "Der Lauf wurde unerwartet beendet, zum Beispiel weil der Rechner neu gestartet wurde.",
    "Starten Sie den Lauf einfach neu: bereits Erledigtes wird erkannt und nicht doppelt angelegt.",
)
_GENERIC = Explanation(
    "Der Lauf ist an einem unerwarteten Fehler gescheitert.",
    "Starten Sie den Lauf noch einmal. Scheitert er erneut, informieren Sie den "
    "IT-Dienstleister und nennen Sie die Laufnummer.",
)


def explain_failure(run: dict[str, Any]) -> Explanation | None:
    """A plain explanation for a failed, crashed or cancelled run; None for the others."""
    state = run.get("state") or {}
    kind = state.get("type")
    if kind == "CANCELLED":
        return Explanation(
            "Der Lauf wurde abgebrochen.",
            "Falls das nicht beabsichtigt war, starten Sie ihn neu.",
        )
    if kind == "CRASHED":
        return _CRASHED
    if kind != "FAILED":
        return None
    message = str(state.get("message") or "")
    for needle, explanation in _KNOWN:
        if needle in message:
            return explanation
    return _GENERIC


def state_name(run: dict[str, Any]) -> str:
    """The run's state in German."""
    state = run.get("state") or {}
    if state.get("name") == "Late":
        return "verspätet (wartet auf einen freien Arbeiter)"
    return STATE_NAMES.get(str(state.get("type")), str(state.get("name") or "unbekannt"))


#: What each process does, in one sentence a clerk understands (the Prozesse cards).
FLOW_EXPLANATIONS: dict[str, str] = {
    "intake": "Liest alle neuen Anträge und E-Mails aus dem Posteingang, legt Vorgänge mit "
    "Aktenzeichen an und schreibt die Eingangsbestätigungen. Nichts wird doppelt angelegt.",
    "classify": "Ordnet eingegangene Dokumente einer Kategorie zu; wo die Maschine unsicher "
    "ist, landet das Dokument unter „Prüfen“.",
    "retrain": "Lernt aus Ihren Prüfentscheidungen, damit die Einordnung besser wird.",
    "review-label": "Wartet auf die Entscheidung zu einem Prüfauftrag; Sie treffen sie unter "
    "„Prüfen“.",
    "oparl-sync": "Holt Sitzungen, Tagesordnungen und Vorlagen aus dem Ratsinformationssystem.",
    "prepare-agenda": "Schlägt die Tagesordnung einer Sitzung vor; nach Ihrer Freigabe unter "
    "„Prüfen“ entstehen Einladung, Tagesordnung und Sitzungsmappen.",
    "nightly": "Erledigt die nächtlichen Arbeiten der Gemeinde in einem Lauf.",
}


def flow_explanation(flow_name: str) -> str:
    """What a process does, in plain words ('' when unknown)."""
    return FLOW_EXPLANATIONS.get(flow_name, "")


#: The intake's detected document kinds (by content, not by file name) in German.
DOCUMENT_KINDS = {
    "pdf": "PDF",
    "docx": "Word",
    "json": "Webformular",
    "eml": "E-Mail",
    "unknown": "Format unbekannt",
}


def document_kind(kind: str | None) -> str:
    """What the intake recognised a file as; a `.txt` holding a web form is a Webformular."""
    return DOCUMENT_KINDS.get(kind or "", kind or "")


def flow_title(flow_name: str) -> str:
    """The German name of a process."""
    return FLOW_TITLES.get(flow_name, flow_name)


def local_time(value: str | datetime | None) -> str:
    """A timestamp as `27.11.2026, 14:05` in Europe/Berlin."""
    if not value:
        return "–"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(BERLIN).strftime("%d.%m.%Y, %H:%M")
