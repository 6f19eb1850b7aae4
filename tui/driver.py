"""A Linux terminal driver whose Escape key arrives in ~35 ms instead of ~110 ms.

A lone ESC byte may be the start of an escape sequence, so Textual's input
parser waits ``ESCDELAY`` ms for more bytes before calling it the Escape key.
It can only notice that the wait is over when its input thread's ``select()``
returns, though, and that select sleeps up to 100 ms. Escape is this app's Back
key, pressed all the time, and the issue's bar is 50 ms a key. So the thread's
selector never sleeps longer than ``POLL_S``; ``ESCDELAY`` defaults to 20 ms
(``tui/__init__.py``; set it in the environment to change it).

If a Textual release stops building its selector from its module's
``selectors``, the patch is inert and Escape is merely slow again
(tui/textual_private.py).
"""

from __future__ import annotations

import selectors

from textual.drivers.linux_driver import LinuxDriver

from .textual_private import use_input_selector

POLL_S = 0.01
"""Longest sleep of the input thread between looks at a pending ESC."""


class PromptSelector(selectors.SelectSelector):
    """A select() that wakes at least every POLL_S, so parser timeouts fire on time."""

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        return super().select(POLL_S if timeout is None else min(timeout, POLL_S))


class QuickEscapeDriver(LinuxDriver):
    """LinuxDriver whose input thread polls with PromptSelector."""

    def run_input_thread(self) -> None:
        use_input_selector(PromptSelector)  # one driver runs per process
        super().run_input_thread()
