"""The interactive viewer (``gotrace view``): Textual screens over the same model and analyses as the CLI.

Nothing here is imported by the core; ``gotrace.cli.view`` loads it on demand,
so scripts and servers use gotrace without Textual.
"""

import os

# Textual paints at most 60 times a second, and one key press often needs two
# paints (the widget, then what its message changed): at 120 the second comes
# 8 ms later instead of 17, which keeps a key press under 50 ms. Read when
# Textual is first imported, so it must be set before that.
os.environ.setdefault("TEXTUAL_FPS", "120")

# A lone ESC waits this long (ms) for the rest of an escape sequence before it is
# the Escape key (Textual's default: 100). Sequences arrive in one write, also
# over SSH; see tui/driver.py for the other half of a quick Escape.
os.environ.setdefault("ESCDELAY", "20")
