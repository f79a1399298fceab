"""Text from outside, at the edge: control characters removed, fitted to its column."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oncall_site.integrations.text import ELLIPSIS, fit, one_line, plain_text

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


@pytest.mark.parametrize(
    ("raw", "multiline", "expected"),
    [
        ("BGS\x00 API down", True, "BGS API down"),
        ("line one\r\nline two\rthree", True, "line one\nline two\nthree"),
        ("col\tumn\nrow", True, "col\tumn\nrow"),
        ("\x1b[31mred\x1b[0m", True, "[31mred[0m"),
        ("bell\x07 and del\x7f and c1\x85", True, "bell and del and c1"),
        ("lone \ud800 surrogate", True, "lone  surrogate"),
        # A right-to-left override would show "admin\u202egnp.exe" as "adminexe.png".
        ("admin\u202egnp.exe", False, "admingnp.exe"),
        ("\u2067isolate\u2069 \u202aembed\u202c", False, "isolate embed"),
        # Hebrew and Arabic letters and the implicit marks are text.
        ("שלום \u200fمرحبا\u200e", False, "שלום \u200fمرحبا\u200e"),
        ("  two\n lines\t", False, "two lines"),
        (None, True, ""),
        (42, False, "42"),
    ],
)
def test_it_removes_control_characters(raw, multiline, expected):
    assert plain_text(raw, multiline=multiline) == expected


def test_it_fits_long_text_with_an_ellipsis():
    title = "x" * 100_000
    assert fit(title, 300) == "x" * 299 + ELLIPSIS
    assert fit("short", 300) == "short"
    assert fit("exactly", 7) == "exactly"
    assert fit("abc", None) == "abc"
    assert one_line("word " * 100, 12) == "word word w" + ELLIPSIS


@given(st.text(), st.booleans(), st.integers(1, 400))
def test_what_comes_out_is_storable_and_fits(raw, multiline, length):
    text = fit(plain_text(raw, multiline=multiline), length)
    assert not CONTROL.search(text)
    assert len(text) <= length
    text.encode("utf-8")  # no lone surrogate left for the database to refuse
    if not multiline:
        assert "\n" not in text and "\t" not in text
