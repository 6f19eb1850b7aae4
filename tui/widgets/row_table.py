"""A DataTable of rows: Home and End go to the first and last row.

Textual's DataTable gives Home and End to the columns (scrolling sideways), which a table
whose cursor is a whole row has no use for; the help promises they move the cursor, as
they do in every other list of the app.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable


class RowTable(DataTable[object]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "scroll_top", show=False),
        Binding("end", "scroll_bottom", show=False),
    ]

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
