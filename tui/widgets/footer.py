"""A Footer that rebuilds only when the keys it shows change.

Textual's Footer recomposes on every bindings update: a page switch or a focus
move sends several, and each rebuild restyles some sixty key widgets, most of
the 80-150 ms a page switch used to take. The keys shown rarely change, so
compare first.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer

from ..textual_private import footer_composed


class KeyFooter(Footer):
    """Also leaves out the command palette's key, which ``?`` lists: 80 columns are few."""

    _shown: tuple[tuple[str, str, bool], ...] | None = None

    def __init__(self) -> None:
        super().__init__(show_command_palette=False)

    @staticmethod
    def _signature(screen: Screen[object]) -> tuple[tuple[str, str, bool], ...]:
        return tuple((b.key, b.description, enabled)
                     for _, b, enabled, _ in screen.active_bindings.values() if b.show)

    def bindings_changed(self, screen: Screen[object]) -> None:
        signature = self._signature(screen)
        if footer_composed(self) and signature == self._shown:
            return
        super().bindings_changed(screen)
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._shown = signature
