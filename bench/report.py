"""The results table printed at the end of a run, and results.json."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

Value = float | int | str | None
TIMES = "\u00d7"  # the ratio sign


@dataclass(frozen=True, slots=True)
class Row:
    """One measurement: ours beside its floor, their ratio, the target and whether it is met."""

    section: str
    what: str
    ours: Value
    floor: Value = None
    unit: str = ""
    ratio: float | None = None
    target: str = ""
    met: bool | None = None  # None: informative only, or not measurable here


def fmt(value: Value, unit: str = "") -> str:
    """A number with its unit, to a sensible precision; text as is; missing as a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, int) or (float(value).is_integer() and abs(value) >= 100):
        text = f"{int(value):,}"
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".rstrip() if unit and unit != "%" else f"{text}{unit}"


def table(rows: Sequence[Row]) -> str:
    """The rows as a fixed-width text table, one block per section."""
    header = ("measurement", "ours", "floor", "ratio", "target", "met?")
    cells = [header]
    sections: list[int] = []
    last = None
    for row in rows:
        if row.section != last:
            sections.append(len(cells))
            last = row.section
        ratio = "—" if row.ratio is None or math.isnan(row.ratio) else f"{row.ratio:.2f}{TIMES}"
        met = {True: "yes", False: "NO", None: ""}[row.met]
        cells.append((f"{row.section}: {row.what}", fmt(row.ours, row.unit),
                      fmt(row.floor, row.unit), ratio, row.target, met))
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    rule = "-+-".join("-" * w for w in widths)
    lines = []
    for i, c in enumerate(cells):
        if i in sections:
            lines.append(rule)
        lines.append(" | ".join(
            c[j].ljust(widths[j]) if j in (0, 4, 5) else c[j].rjust(widths[j])
            for j in range(len(header))).rstrip())
    return "\n".join(lines)


def write_json(path: Path, rows: Sequence[Row], sections: dict[str, Any],
               meta: dict[str, Any]) -> None:
    """Write every section's details, the table rows and the run's metadata to `path`."""
    document = {"meta": meta, **sections, "rows": [asdict(r) for r in rows]}
    path.write_text(json.dumps(_finite(document), indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")


def _finite(value: Any) -> Any:
    """NaN and infinities become null, so the file is strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
