"""Random and truncated bytes through parsing and the intake's verdict: always a reason."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.catalogue import load_tenant
from connectors.documents import parse_document
from models.settings import PROJECT_ROOT, Settings
from tasks.decision import evaluate
from tasks.intake_context import IntakeContext
from tests.conftest import SAMPLE_INBOX

SAMPLES = sorted(p.read_bytes() for p in SAMPLE_INBOX.iterdir() if p.stat().st_size > 0)
PREFIXES = [b"", b"%PDF-1.7\n", b"PK\x03\x04", b"{", b"From: a@b.de\nSubject: x\n\n"]


def _ctx() -> IntakeContext:
    tenant = load_tenant("musterstadt", PROJECT_ROOT / "tenants")
    return IntakeContext(
        tenant=tenant,
        storage=None,
        engine=None,
        parser=None,  # type: ignore[arg-type]
        template=None,
        settings=Settings(),  # type: ignore[arg-type]
    )


@st.composite
def hostile(draw: st.DrawFn) -> bytes:
    if draw(st.booleans()):
        sample = draw(st.sampled_from(SAMPLES))
        return sample[: draw(st.integers(0, len(sample) - 1))]  # truncated real submission
    return draw(st.sampled_from(PREFIXES)) + draw(st.binary(max_size=2048))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=hostile())
def test_garbage_always_gets_a_verdict(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "x"
    path.write_bytes(data)
    parsed = parse_document(path, max_bytes=1 << 20)
    verdict = evaluate(_ctx(), parsed)
    # either a fully valid form (a truncation may keep all of one) or a reason for the clerk
    assert (verdict.form is not None) != (verdict.reason is not None)
    if verdict.reason is not None:
        assert verdict.reason.code and verdict.reason.text
