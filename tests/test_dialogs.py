"""Whole conversations kept as data (tests/dialogs/*.yaml), driven through real envelopes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skill.local import dialogs
from skill.local.simulator import Simulator

FILES = sorted((Path(__file__).parent / "dialogs").glob("*.yaml"))


def _cases() -> list[Any]:
    return [pytest.param(d, id=f"{d.source}: {d.name}") for f in FILES for d in dialogs.load(f)]


@pytest.mark.parametrize("dialog", _cases())
def test_dialog(dialog: dialogs.Dialog, simulator: Simulator) -> None:
    failures = dialogs.run(dialog, simulator)
    assert not failures, "\n".join(map(str, failures))
