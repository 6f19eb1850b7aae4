"""Profiler labels as the runtime and runtime/pprof print them.

Three spellings exist, all a comma-separated ``key: value`` list:

- Go 1.26 traceback, inside the brackets: ``labels:{"k": "v", "k2": "v2"}``,
  always quoted with the runtime's ``printquoted``;
- Go 1.27 traceback, after the brackets: ``] {k: v, "a b": "c"}:``, quoted only
  when a string holds anything but ``[A-Za-z0-9./_]``;
- pprof debug=1: ``# labels: {"k":"v", "k2":"v2"}`` with Go's ``%q``.

One tokenizer reads all three: a token is a Go quoted string or a bare run of
the safe characters.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r'\s*("(?:[^"\\]|\\.)*"|[A-Za-z0-9./_]*)\s*')
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)")
_SIMPLE = {
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "\\": "\\",
    '"': '"',
    "'": "'",
}


def _unescape(m: re.Match[str]) -> str:
    esc = m.group(1)
    kind = esc[0]
    if kind in "xuU" and len(esc) > 1:
        code = int(esc[1:], 16)
        # \xNN from the runtime is a byte that is not valid UTF-8 on its own
        # unless it is ASCII; keep ASCII, mark the rest as undecodable.
        if kind == "x" and code >= 0x80:
            return "\ufffd"
        try:
            return chr(code)
        except ValueError:
            return "\ufffd"
    if kind.isdigit() and len(esc) == 3:
        code = int(esc, 8)
        return chr(code) if code < 0x80 else "\ufffd"
    return _SIMPLE.get(esc, esc)


def unquote(token: str) -> str:
    """Go-quoted ``"a\\tb"`` to its text; a bare token is returned unchanged."""
    if len(token) >= 2 and token[0] == '"' and token[-1] == '"':
        body = token[1:-1]
        return _ESCAPE.sub(_unescape, body) if "\\" in body else body
    return token


def parse_label_list(text: str) -> dict[str, str] | None:
    """Parse the inside of ``{...}``; None when the text is not a label list."""
    labels: dict[str, str] = {}
    pos = 0
    end = len(text)
    if not text.strip():
        return labels
    while pos < end:
        m = _TOKEN.match(text, pos)
        if m is None or m.end() >= end or text[m.end()] != ":":
            return None
        key = unquote(m.group(1))
        v = _TOKEN.match(text, m.end() + 1)
        if v is None:
            return None
        labels[key] = unquote(v.group(1))
        pos = v.end()
        if pos < end:
            if text[pos] != ",":
                return None
            pos += 1
    return labels
