"""Read a YAML data file (responses, protocol) as a node tree, so errors can name file and line."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import yaml


def compose(path: Path, error: type[Exception]) -> yaml.Node:
    """The file's YAML node tree; `error` naming the file (and line) if it cannot be read."""
    import yaml  # imported here: a packaged Lambda starts from compiled JSON instead

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # C: ~12x faster than Python
    try:
        return yaml.compose(path.read_text(encoding="utf-8"), Loader=loader)
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise error(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
