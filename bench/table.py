"""Results as plain-text tables, the same shape for every benchmark."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field


@dataclass
class Section:
    """One benchmark's results: a title, column names, rows of printable cells, and notes."""

    title: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        self.rows.append(tuple(str(c) for c in cells))

    def render(self) -> str:
        widths = [max([len(c), *(len(r[i]) for r in self.rows)]) for i, c in enumerate(self.columns)]
        out = [self.title, "=" * len(self.title),
               "  ".join(c.ljust(w) for c, w in zip(self.columns, widths, strict=True)),
               "  ".join("-" * w for w in widths)]
        for row in self.rows:
            cells = zip(row, widths, strict=True)
            out.append("  ".join(v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(cells)))
        out += [f"  * {n}" for n in self.notes]
        return "\n".join(out)

    def as_dict(self) -> dict[str, object]:
        return {"title": self.title, "columns": list(self.columns), "rows": [list(r) for r in self.rows],
                "notes": self.notes}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f}"


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the value below which `share` of the sorted values fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def median(values: list[float]) -> float:
    return statistics.median(values)
