"""Aligned text tables that fit the terminal and never cut what a script greps.

Two rules (the first-hour issue):

* stdout is not a terminal (piped, redirected, CI logs): nothing is ever cut or
  shortened; lines are as long as their content.
* stdout is a terminal: the table fits its width. First package paths are
  dropped from names (``collection.NewTimingWheel``, not
  ``example.com/shop/collection.NewTimingWheel``), then low-value columns are
  left out (each column says how readily), and only then are the name columns
  cut with an ellipsis. ``--wide`` shows everything.

No colour and no box drawing: output is pasted into incident channels. Rich
lays the cells out (it measures wide characters and places the ellipsis); every
cell goes through :func:`gotrace.render.text.safe` and is a ``Text``, never
markup, so input can neither style nor control the terminal.
"""

from __future__ import annotations

import io
import re
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.cells import cell_len, get_character_cell_size, set_cell_size
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .text import safe

GAP = 2
MIN_FLEX = 12
LOCATION = re.compile(r" \([^()]*:[0-9]+\)$")  # a site's " (file.go:12)"


@dataclass(frozen=True, slots=True)
class Col:
    """A column: its header, alignment, and how it gives way on a narrow terminal.

    ``drop``: 0 never; otherwise columns with the highest ``drop`` go first.
    ``shorten``: a shorter form of a cell (e.g. without package paths), used on a
    terminal when the table is too wide. ``flex``: cut with an ellipsis as the last
    resort (names), evenly; other columns keep their width. ``squeeze``: a width
    the column is cut to before any ``flex`` column is (a long state label gives way
    before a function name does).
    """

    header: str
    right: bool = False
    drop: int = 0
    shorten: Callable[[str], str] | None = None
    flex: bool = False
    squeeze: int = 0
    short_header: str | None = None  # the header once ``shorten`` has been applied

    def width_floor(self, natural: int) -> int:
        """The narrowest this column gets before a column is dropped instead: a name keeps its
        whole width (names are cut only once nothing is left to drop), a state its squeeze."""
        if self.squeeze:
            return min(natural, max(self.squeeze, cell_len(self.header)))
        return natural


def terminal_width() -> int | None:
    """The terminal's width, or None when stdout is not a terminal (then nothing is cut)."""
    try:
        if not sys.stdout.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    return shutil.get_terminal_size((100, 24)).columns


def cut(cell: str, width: int) -> str:
    """``cell`` cut to ``width`` cells with an ellipsis. A site (``pkg.(*T).method (file.go:12)``)
    keeps the end of its function name, the specific part (the method, not the package path),
    and its location, the line an engineer opens, while MIN_FLEX cells of the name still show;
    narrower, the name alone, or its end. Any other cell loses its end."""
    if cell_len(cell) <= width:
        return cell
    m = LOCATION.search(cell)
    if m is None or width < 2:
        return set_cell_size(cell, max(width - 1, 0)).rstrip() + "…"
    func = cell[: m.start()]
    room = width - cell_len(m.group()) - 1
    if room >= MIN_FLEX:
        return "…" + _tail(func, room) + m.group()
    return cut_start(func, width)


def cut_start(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells by its start, with an ellipsis: a function name's end
    (``…(*Controller).WaitForCacheSync``) tells it apart, its package path rarely does."""
    if cell_len(text) <= width:
        return text
    return "…" + _tail(text, width - 1) if width > 0 else ""


def _tail(text: str, width: int) -> str:
    """The last cells of ``text`` that fit in ``width``: one pass from the end, for an input's
    name may be megabytes long."""
    used = 0
    for i in range(len(text) - 1, -1, -1):
        used += get_character_cell_size(text[i])
        if used > width:
            return text[i + 1:]
    return text


def _natural(header: str, cells: list[str]) -> int:
    return max([cell_len(header), *(cell_len(c) for c in cells)])


def _total(widths: Sequence[int]) -> int:
    return sum(widths) + GAP * (len(widths) - 1) if widths else 0


def render_table(cols: Sequence[Col], rows: Sequence[Sequence[str]], width: int | None = None,
                 wide: bool = False) -> str:
    """The table as text; ``width`` None means "not a terminal": full width, nothing cut."""
    keep = list(range(len(cols)))
    headers = [c.header for c in cols]
    data = [[safe(str(c)) for c in row] for row in rows]
    columns = [[row[i] for row in data] for i in range(len(cols))]
    widths = [_natural(c.header, columns[i]) for i, c in enumerate(cols)]
    if width is not None and not wide and _total(widths) > width:
        for i, c in enumerate(cols):
            if c.shorten is not None:
                columns[i] = [c.shorten(v) for v in columns[i]]
                headers[i] = c.short_header or c.header
                widths[i] = _natural(headers[i], columns[i])
        # Drop low-value columns only while even squeezed and cut the table would not fit.
        for i in sorted((i for i, c in enumerate(cols) if c.drop), key=lambda i: -cols[i].drop):
            if _total([cols[k].width_floor(widths[k]) for k in keep]) <= width:
                break
            keep.remove(i)
        over = _total([widths[k] for k in keep]) - width
        for k in keep:
            if over > 0 and cols[k].squeeze and widths[k] > cols[k].squeeze:
                squeezed = min(over, widths[k] - max(cols[k].squeeze, cell_len(headers[k])))
                widths[k] -= squeezed
                over -= squeezed
        flex = [k for k in keep if cols[k].flex]
        while over > 0 and flex:  # cut the widest name column one cell at a time: names end up even
            widest = max(flex, key=lambda k: widths[k])
            if widths[widest] <= MIN_FLEX:
                break
            widths[widest] -= 1
            over -= 1
    table = Table(box=None, padding=(0, GAP // 2), pad_edge=False, show_edge=False,
                  header_style="", highlight=False)
    for k in keep:
        c = cols[k]
        table.add_column(Text(headers[k]), justify="right" if c.right else "left", width=widths[k],
                         no_wrap=True, overflow="ellipsis")
    for k in keep:
        if cols[k].flex:
            columns[k] = [cut(v, widths[k]) for v in columns[k]]
    for r in range(len(data)):
        table.add_row(*(Text(columns[k][r]) for k in keep))
    buf = io.StringIO()
    console = Console(file=buf, width=_total([widths[k] for k in keep]) + 1, color_system=None,
                      force_terminal=False, highlight=False, emoji=False, soft_wrap=False,
                      legacy_windows=False)
    console.print(table)
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines())
