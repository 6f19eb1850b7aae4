"""Plain aligned text tables: readable in a terminal, a log, or an SSH session.

No colour or box drawing: output is pasted into incident channels and grepped.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = (),
                 width: int | None = None) -> str:
    """Columns sized to content; the last column is cut to fit the terminal width."""
    width = width or shutil.get_terminal_size((160, 24)).columns
    cols = len(headers)
    widths = [len(h) for h in headers]
    for row in rows:
        for i in range(cols - 1):
            widths[i] = max(widths[i], len(row[i]))
    used = sum(widths[:-1]) + 2 * (cols - 1)
    last_w = max(20, width - used)
    lines = []
    for row in [list(headers), *map(list, rows)]:
        cells = []
        for i, cell in enumerate(row):
            if i == cols - 1:
                cells.append(cell if len(cell) <= last_w else cell[: last_w - 1] + "…")
            elif i in right:
                cells.append(cell.rjust(widths[i]))
            else:
                cells.append(cell.ljust(widths[i]))
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def count(n: int) -> str:
    return f"{n:,}"
