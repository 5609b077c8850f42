"""Quarantine reasons in words a clerk understands, with a stable code for reports."""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.documents import DocumentKind, ParsedDocument, ParseFailure
from models.forms import FieldError

_KIND_DE = {
    DocumentKind.JSON: "Web-Formular (JSON)",
    DocumentKind.PDF: "PDF",
    DocumentKind.DOCX: "Word-Dokument (DOCX)",
    DocumentKind.EML: "E-Mail",
    DocumentKind.UNKNOWN: "unbekannte Dateiart",
}

SUPPORTED = (
    "Angenommen werden PDF-Formulare, Word-Formulare (DOCX), Web-Formulare (JSON) "
    "und E-Mails (.eml)."
)
EMAIL_TEXT = "E-Mail-Text"  # how a clerk's reason names the form in an e-mail's body


@dataclass(frozen=True)
class Reason:
    """Why a document went to quarantine."""

    code: str
    text: str
    details: list[FieldError] = field(default_factory=list)


def kind_label(kind: DocumentKind) -> str:
    """German name of a detected document kind."""
    return _KIND_DE[kind]


def for_parse_failure(parsed: ParsedDocument, *, timeout_s: float, max_mb: int) -> Reason:
    """Turn a parser failure into the clerk's reason."""
    failure = parsed.failure
    kind = kind_label(parsed.kind)
    texts = {
        ParseFailure.EMPTY: "Die Datei ist leer.",
        ParseFailure.TOO_LARGE: f"Die Datei ist größer als {max_mb} MB und wurde nicht gelesen.",
        ParseFailure.UNSUPPORTED: f"Diese Dateiart wird nicht verarbeitet ({kind}). {SUPPORTED}",
        ParseFailure.ENCRYPTED: (
            f"Das {kind} ist passwortgeschützt (verschlüsselt) und kann nicht gelesen werden. "
            "Bitte eine ungeschützte Fassung anfordern."
        ),
        ParseFailure.DAMAGED: f"Die Datei ({kind}) ist beschädigt und kann nicht gelesen werden.",
        ParseFailure.TIMEOUT: (
            f"Das Lesen der Datei ({kind}) dauerte länger als {timeout_s:g} Sekunden und wurde "
            "abgebrochen. Die Datei kann schädlich sein: nicht am Arbeitsplatz öffnen."
        ),
        ParseFailure.MEMORY: (
            f"Das Lesen der Datei ({kind}) brauchte zu viel Arbeitsspeicher und wurde "
            "abgebrochen. Die Datei kann schädlich sein: nicht am Arbeitsplatz öffnen."
        ),
        ParseFailure.CRASHED: (
            f"Das Lesen der Datei ({kind}) ist abgebrochen. Die Datei kann schädlich sein: "
            "nicht am Arbeitsplatz öffnen."
        ),
    }
    assert failure is not None
    return Reason(f"parse_{failure.value}", texts[failure])


def unknown_form(parsed: ParsedDocument) -> Reason:
    """No known form recognised; says what was found so the clerk can decide."""
    if parsed.kind is DocumentKind.PDF and not parsed.fields:
        if parsed.has_text_layer is False:
            text = (
                "Kein Formular erkannt: das PDF enthält nur Bilder (kein Text, keine "
                "Formularfelder), vermutlich ein Scan. Bitte von Hand erfassen."
            )
        else:
            text = (
                "Kein Formular erkannt: das PDF hat keine ausfüllbaren Formularfelder. "
                "Bitte von Hand erfassen."
            )
        return Reason("unknown_form", text)
    count = len(parsed.fields)
    return Reason(
        "unknown_form",
        f"Kein bekanntes Formular erkannt ({kind_label(parsed.kind)} mit {count} Feldern). "
        "Bekannt sind: Gewerbeanmeldung, Hundesteuer-Anmeldung, Sondernutzung öffentlicher "
        "Verkehrsflächen, Mängelmeldung.",
    )


def invalid_fields(title: str, errors: list[FieldError]) -> Reason:
    """A known form whose fields failed validation; the details name each field."""
    names = ", ".join(e.field for e in errors[:5]) + (" …" if len(errors) > 5 else "")
    return Reason(
        "invalid_fields",
        f"Formular „{title}“: {len(errors)} Angabe(n) fehlerhaft oder fehlend ({names}).",
        list(errors),
    )


def no_department(title: str) -> Reason:
    """The tenant routes this form nowhere (a configuration gap, not the sender's fault)."""
    return Reason(
        "no_department",
        f"Für das Formular „{title}“ ist in dieser Gemeinde kein Fachbereich eingetragen "
        "(Gemeinde-Konfiguration prüfen).",
    )


def email_without_form(attachments: int) -> Reason:
    """An e-mail whose body and attachments hold no known form."""
    return Reason(
        "email_no_form",
        f"E-Mail ohne erkennbares Formular (im Text und in {attachments} Anhang/Anhängen). "
        "Bitte von Hand bearbeiten.",
    )


def email_attachment(name: str, inner: Reason) -> Reason:
    """An e-mail whose only form failed: the e-mail carries its attachment's reason."""
    return Reason(inner.code, f"Anhang „{name}“: {inner.text}", inner.details)


def email_body(inner: Reason, file_numbers: tuple[str, ...]) -> Reason:
    """A faulty form in an e-mail's text beside cases made from its attachments.

    The clerk must not lose the text's form just because an attachment succeeded, and
    needs the file numbers to see which parts of the same e-mail are already cases.
    """
    made = f" Aus den Anhängen angelegt: {', '.join(file_numbers)}." if file_numbers else ""
    return Reason(inner.code, f"E-Mail-Text: {inner.text}{made}", inner.details)


def email_faults(faults: list[tuple[str, Reason]]) -> Reason:
    """An e-mail without a case and more than one faulty form: every fault is named.

    The code is the first fault's, so the run's tally of reasons keeps its codes; each
    faulty attachment also has a quarantine entry of its own.
    """
    texts = "; ".join(
        f"{EMAIL_TEXT}: {inner.text}"
        if label == EMAIL_TEXT
        else email_attachment(label, inner).text
        for label, inner in faults
    )
    details = [d for _, inner in faults for d in inner.details]
    return Reason(
        faults[0][1].code, f"E-Mail mit {len(faults)} fehlerhaften Formularen: {texts}", details
    )


def _noted(reason: Reason, count: int, note: str) -> Reason:
    """The reason with a note appended, when there is anything to note."""
    return reason if count <= 0 else Reason(reason.code, f"{reason.text} {note}", reason.details)


def with_dropped_parts(reason: Reason, dropped: int) -> Reason:
    """Add that parts of the e-mail were not taken over (limits, undecodable parts)."""
    return _noted(
        reason,
        dropped,
        f"Hinweis: {dropped} Anhang/Anhänge bzw. Teil(e) der E-Mail wurden nicht übernommen "
        "(mehr als 50 Anhänge, zu tief verschachtelt oder nicht lesbar); bitte das "
        "Original prüfen.",
    )


def with_unsearched(reason: Reason, count: int) -> Reason:
    """Add that a forwarded (attached) e-mail's own attachments were not searched.

    Only a forwarded mail's text is read for a form; its attachments stay inside the
    stored mail, so the clerk must know to open it before closing the matter.
    """
    return _noted(
        reason,
        count,
        f"Hinweis: {count} Anhang/Anhänge einer weitergeleiteten (angehängten) E-Mail "
        "wurden nicht nach Formularen durchsucht; sie liegen unverändert in der "
        "gespeicherten E-Mail, bitte von Hand prüfen.",
    )


#: Reasons that are Amtsflow's, not the document's: once the IT provider has mended the
#: cause (a release, a raised limit), `amtsflow quarantine retry` sends the file again.
RETRYABLE = frozenset({"internal_error", "parse_timeout", "parse_memory", "parse_crashed"})
#: The reader was stopped at its limits: a file that may be built to harm, not handed out.
STOPPED_CODES = frozenset({"parse_timeout", "parse_memory", "parse_crashed"})


def internal_error(error_type: str, attempts: int) -> Reason:
    """A document whose decision broke in every one of `attempts` runs.

    Not the sender's fault and not the clerk's: a defect or a broken setup. Parked so
    that the night's runs stop failing on it and a clerk sees it; the error's type (no
    message: it may quote the document) tells the IT provider where to look.
    """
    return Reason(
        "internal_error",
        f"Die Datei konnte in {attempts} Läufen nicht verarbeitet werden (interner Fehler "
        f"{error_type}). Bitte den IT-Dienstleister informieren: nach der Behebung kann er "
        "die Datei erneut verarbeiten lassen (amtsflow quarantine retry); das Original ist "
        "unverändert gespeichert.",
    )


def set_aside(max_mb: int, folder: str) -> Reason:
    """A file over the size limit, left on the share instead of copied into the store."""
    return Reason(
        "parse_too_large",
        f"Die Datei ist größer als {max_mb} MB und wurde nicht übernommen. Sie liegt "
        f"im Eingangsordner im Unterordner „{folder}“; bitte von dort aus bearbeiten.",
    )
