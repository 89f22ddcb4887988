"""Where the skill's content is: `responses/` and `interaction_model/` sit beside the package in
a checkout and in the Lambda zip, and inside it (`skill/_data/`) when installed from a wheel, where
pyproject.toml maps them. One place decides, so every reader finds the same files."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

PACKAGED = "_data"  # the wheel's folder for the content, inside the package


def directory(name: str) -> Path:
    """The folder `name` (responses, interaction_model), installed or beside the package."""
    installed = resources.files(__package__ or "skill") / PACKAGED / name
    if installed.is_dir():
        return Path(str(installed))
    return Path(__file__).resolve().parent.parent / name
