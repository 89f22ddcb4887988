"""Whole conversations kept as data, driven through real envelopes: tests/dialogs/*.yaml, and the
triage suite tests/triage/*.yaml (asserted by response key and disposition)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skill.local import dialogs
from skill.local.simulator import Simulator

HERE = Path(__file__).parent
FILES = sorted([*(HERE / "dialogs").glob("*.yaml"), *(HERE / "triage").glob("*.yaml")])


def _cases() -> list[Any]:
    return [pytest.param(d, id=f"{d.source}: {d.name}") for f in FILES for d in dialogs.load(f)]


@pytest.mark.parametrize("dialog", _cases())
def test_dialog(dialog: dialogs.Dialog, simulator: Simulator) -> None:
    failures = dialogs.run(dialog, simulator)
    assert not failures, "\n".join(map(str, failures))
