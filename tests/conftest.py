"""Shared fixtures: a simulated Echo carrying a session into the real lambda_handler."""

from __future__ import annotations

import itertools
import os

import pytest
from hypothesis import settings

from skill.local.simulator import Simulator

# In CI every property test runs the same examples each time, so a submission's verdict does not
# hang on which random cases were drawn; run locally, each run explores new ones.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def shared_simulator() -> Simulator:
    """One simulator for the run (the resolver is built once); tests start their own session."""
    # Ids seed the phrasing variants: counted, not random, so every run hears the same words.
    counter = itertools.count(1)
    return Simulator(new_id=lambda: f"00000000-0000-0000-0000-{next(counter):012d}")


@pytest.fixture
def simulator(shared_simulator: Simulator) -> Simulator:
    shared_simulator.new_session()
    return shared_simulator
