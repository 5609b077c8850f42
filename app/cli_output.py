"""What every `amtsflow` command shares: its common options and how it answers.

Every command with `--json` prints exactly one JSON document on stdout; messages go to stderr.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any, NoReturn

import typer

TenantOpt = Annotated[str, typer.Option("--tenant", "-t", help="Kurzname der Gemeinde")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Ein JSON-Dokument auf stdout")]


def emit(data: Any, as_json: bool, human: str) -> None:
    """Answer with one JSON document or a human-readable line."""
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        typer.echo(human)


def fail(message: str, as_json: bool = False, code: int = 2) -> NoReturn:
    """End the command with an error a script and a person can both read."""
    if as_json:
        sys.stdout.write(json.dumps({"error": message}, ensure_ascii=False) + "\n")
    typer.echo(f"Fehler: {message}", err=True)
    raise typer.Exit(code)
