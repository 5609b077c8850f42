"""Benchmark: the Sitzungsmappe of a 40-item meeting with 40 multi-page PDFs (target < 10 s).

The papers are generated with reportlab (letterhead, headings, paragraphs of German
administrative prose, a cost table; 3 to 14 pages each) once per run. Measured, as
medians of `--repeat` runs:

* `mappe_s`: the real thing: the plan from the agenda view and the merge in the limited
  subprocess (process start, divider pages, one bookmark per item and per document);
* `baseline_concat_s`: plain pypdf concatenation of the same 40 files in this process,
  no outline, no divider pages, no sandbox: what merging costs at the least;
* `all_outputs_s`: everything `render_outputs` writes (both Sitzungsmappen, four DOCX,
  two JSON files), for an idea of the whole step.

    .venv/bin/python bench/agenda_mappe.py [--items 40] [--repeat 5]

The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_S = 10.0
_WORDS = [
    "Gemeinderat",
    "Beschluss",
    "Verwaltung",
    "Haushalt",
    "Satzung",
    "Bebauungsplan",
    "Grundstück",
    "Erschließung",
    "Förderung",
    "Kreis",
    "Land",
    "Antrag",
    "Stellungnahme",
    "Ausschuss",
    "Finanzierung",
    "Maßnahme",
    "Kosten",
    "Bürgerinnen",
    "Bürger",
    "Umsetzung",
    "Zuständigkeit",
    "Verfahren",
    "Abwägung",
    "Öffentlichkeit",
    "Beteiligung",
    "Straßenbau",
    "Kindertagesstätte",
    "Feuerwehr",
    "Wasserversorgung",
    "Abwasser",
    "Klimaschutz",
]


def make_paper(path: Path, number: int, rng: random.Random) -> None:
    """One council paper (Vorlage) as a multi-page PDF."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    story = [
        Paragraph("Gemeinde Musterstadt – Der Bürgermeister", styles["Normal"]),
        Paragraph(f"Beschlussvorlage VO/2026/{number:03d}", styles["Title"]),
    ]
    for section in range(rng.randint(3, 12)):
        story.append(Paragraph(f"{section + 1}. {rng.choice(_WORDS)}", styles["Heading2"]))
        for _ in range(rng.randint(4, 7)):
            words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(60, 110)))
            story.append(Paragraph(words + ".", styles["BodyText"]))
        if section % 3 == 1:
            rows = [["Haushaltsstelle", "2026", "2027", "2028"]] + [
                [f"{rng.randint(10000, 99999)}.{rng.randint(100, 999)}"]
                + [f"{rng.randint(1, 900) * 1000:,} €".replace(",", ".") for _ in range(3)]
                for _ in range(rng.randint(4, 10))
            ]
            table = Table(rows)
            table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey)]))
            story += [Spacer(1, 8), table]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=f"VO/2026/{number:03d}").build(story)
    path.write_bytes(buffer.getvalue())


def _draft(items: int) -> object:
    from models.agenda import AgendaDraft, ConfidentialitySource, DraftItem, ItemKind

    return AgendaDraft(
        tenant="musterstadt",
        meeting_id="http://127.0.0.1/bench/meeting/1",
        meeting_name="Sitzung des Gemeinderates",
        organization_name="Gemeinderat",
        start=dt.datetime(2026, 12, 3, 17, tzinfo=dt.UTC),
        location="Ratssaal",
        items=[
            DraftItem(
                number=str(n),
                title=f"Beschlussvorlage {n}: {_WORDS[n % len(_WORDS)]}",
                kind=ItemKind.PAPER,
                public=True,
                paper_id=f"p/{n}",
                paper_reference=f"VO/2026/{n:03d}",
                file_ids=[f"f/{n}"],
                confidentiality_source=ConfidentialitySource.RULE,
            )
            for n in range(1, items + 1)
        ],
    )


def measure_mappe(items: int = 40, repeat: int = 5) -> dict[str, float]:
    """Median seconds of the Sitzungsmappe, the plain concatenation and all outputs."""
    from pypdf import PdfReader, PdfWriter

    from connectors.pdf_merge import merge_folder
    from connectors.storage import TenantStorage
    from models.agenda import AgendaDraft
    from tasks.agenda_outputs import PaperFile, render_outputs
    from tasks.agenda_outputs.folder import folder_plan
    from tasks.agenda_outputs.view import public_view

    rng = random.Random(20261203)
    with tempfile.TemporaryDirectory(prefix="bench-mappe-") as tmp:
        work = Path(tmp)
        papers = []
        for n in range(1, items + 1):
            papers.append(work / f"vorlage-{n:03d}.pdf")
            make_paper(papers[-1], n, rng)
        pages_in = sum(len(PdfReader(p).pages) for p in papers)
        files = {f"f/{n}": PaperFile(p, f"{n:064x}", None) for n, p in enumerate(papers, 1)}
        draft = _draft(items)
        assert isinstance(draft, AgendaDraft)
        storage = TenantStorage(work / "home", "musterstadt", fsync=False)
        mappe, baseline, outputs, pages_out = [], [], [], 0
        for run in range(repeat):
            start = time.perf_counter()
            plan = folder_plan(
                public_view(draft, {}), files, "Gemeinde Musterstadt", dt.date.today()
            )
            result = merge_folder(plan, work / f"mappe-{run}.pdf")
            mappe.append(time.perf_counter() - start)
            pages_out = result.pages
            assert not result.placeholders

            start = time.perf_counter()
            writer = PdfWriter()
            for paper in papers:
                writer.append(PdfReader(paper), import_outline=False)
            with (work / f"plain-{run}.pdf").open("wb") as handle:
                writer.write(handle)
            baseline.append(time.perf_counter() - start)

            start = time.perf_counter()
            render_outputs(
                draft,
                municipality="Gemeinde Musterstadt",
                storage=storage,
                files=files,
                tenants_dir=work / "tenants",
                today=dt.date.today(),
            )
            outputs.append(time.perf_counter() - start)
        outline = PdfReader(work / "mappe-0.pdf").outline
        bookmarks = sum(not isinstance(node, list) for node in outline)
    mappe_s, baseline_s = statistics.median(mappe), statistics.median(baseline)
    return {
        "items": float(items),
        "pdfs": float(items),
        "pages_in": float(pages_in),
        "pages_out": float(pages_out),
        "top_level_bookmarks": float(bookmarks),
        "repeat": float(repeat),
        "mappe_s": round(mappe_s, 3),
        "baseline_concat_s": round(baseline_s, 3),
        "ratio_vs_baseline": round(mappe_s / baseline_s, 2),
        "all_outputs_s": round(statistics.median(outputs), 3),
        "target_s": TARGET_S,
        "meets_target": float(mappe_s < TARGET_S),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    figures = measure_mappe(args.items, args.repeat)
    print(
        f"Sitzungsmappe {int(figures['items'])} TOP / {int(figures['pages_out'])} Seiten: "
        f"{figures['mappe_s']} s (Ziel < {TARGET_S} s), reine Verkettung "
        f"{figures['baseline_concat_s']} s",
        file=sys.stderr,
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
