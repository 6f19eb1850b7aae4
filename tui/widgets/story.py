"""A scrollable text that turns a line into cells only when it is on screen.

A goroutine's story is a few dozen lines of facts and stacks followed by its
state intervals, and one goroutine can hold millions of those (a program's main
goroutine in a churn trace has three million). Building all of them as one
Static took longer than the 50 ms a key press may take even when capped at 500;
here the facts are a list of lines and the intervals a function of their index,
so opening any goroutine costs a screenful. Long lines scroll sideways rather
than wrap, so every line is one row and a row's index is its line.

Its scrollbars never come and go: each change would lay the screen out again
(a frame or two) when a different goroutine is shown. The vertical one is always
there; sideways, a cut line ends in an ellipsis instead.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

_CACHE = 256
_MORE = Strip([Segment("…", Style(dim=True))])


class Story(ScrollView, can_focus=True):
    """``head`` lines, then ``tail_count`` more made on demand by ``tail(i)``."""

    DEFAULT_CSS = """
    Story { height: 1fr; padding: 0 1; overflow-y: scroll; overflow-x: hidden; }
    Story:focus { background-tint: $foreground 3%; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._head: list[Text] = []
        self._tail: Callable[[int], Text] = lambda i: Text()
        self._tail_count = 0
        self._cache: OrderedDict[int, Strip] = OrderedDict()

    def show(self, head: list[Text], tail_count: int = 0,
             tail: Callable[[int], Text] | None = None) -> None:
        """Replace the whole text and go back to its top-left corner.

        It scrolls sideways as far as the widest ``head`` line: measuring the tail
        would mean making every line of it, and its lines are the narrower ones.
        """
        self._head = head
        self._tail_count = tail_count
        self._tail = tail if tail is not None else (lambda i: Text())
        self._cache.clear()
        width = max((t.cell_len for t in head), default=0)
        self.virtual_size = Size(width, len(head) + tail_count)
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()

    @property
    def allow_horizontal_scroll(self) -> bool:
        return self.virtual_size.width > self.scrollable_content_region.width

    @property
    def line_count(self) -> int:
        return len(self._head) + self._tail_count

    def line_text(self, index: int) -> Text:
        """Line ``index`` of the whole text, whether on screen or not."""
        return self._head[index] if index < len(self._head) else self._tail(index - len(self._head))

    def _strip(self, index: int) -> Strip:
        strip = self._cache.get(index)
        if strip is not None:
            self._cache.move_to_end(index)
            return strip
        strip = Strip(list(self.line_text(index).render(self.app.console, end="")))
        self._cache[index] = strip
        if len(self._cache) > _CACHE:
            self._cache.popitem(last=False)
        return strip

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        if index >= self.line_count:
            return Strip.blank(width)
        x = self.scroll_offset.x
        strip = self._strip(index)
        if strip.cell_length > x + width > 0:
            return Strip.join([strip.crop(x, x + width - 1), _MORE])
        return strip.crop_extend(x, x + width, None)
