"""Text from outside as it may be stored: no control characters, and no longer than its column.

Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) go too: an
unclosed right-to-left override in a title would reverse the text after it on the page, in
the PDF and in a calendar app, and can make a name read as another ("Trojan Source").
Right-to-left letters and the implicit marks (LRM, RLM, ALM) are ordinary text and stay.

Every upstream (webhook deliveries, sync runs) and every form hands its text through here
before it is stored, so a NUL or an escape sequence never reaches the database, the pages,
the JSON API or the iCalendar feed (RFC 5545 forbids control characters there), and a
100 KB title is cut to the column with an ellipsis instead of failing the save.
"""

from __future__ import annotations

import re

ELLIPSIS = "…"

# C0 controls but tab and newline, DEL, C1 controls, lone surrogates (JSON may carry them;
# UTF-8 cannot, so the database would refuse the row) and the explicit bidi formatting
# characters.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_LINE_ENDINGS = re.compile("\r\n?")


def plain_text(value: object, *, multiline: bool = True) -> str:
    """`value` as text without control characters ("" for None).

    Multi-line text keeps tabs and newlines (a carriage return becomes a newline); one line
    (`multiline=False`) has every run of whitespace, newlines included, as one space.
    """
    if value is None:
        return ""
    text = _CONTROLS.sub("", _LINE_ENDINGS.sub("\n", str(value)))
    return text if multiline else " ".join(text.split())


def fit(text: str, max_length: int | None) -> str:
    """`text` cut to `max_length` characters, the last one an ellipsis when it was longer."""
    if max_length is None or len(text) <= max_length:
        return text
    return text[: max_length - 1].rstrip() + ELLIPSIS if max_length > 1 else text[:max_length]


def one_line(value: object, max_length: int | None = None) -> str:
    """A title, a name: one line without control characters, fitted to `max_length`."""
    return fit(plain_text(value, multiline=False), max_length)
