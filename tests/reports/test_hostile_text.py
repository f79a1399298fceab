"""Hostile text that got past the edge as ordinary characters (a script tag, a `javascript:`
link in words, a title cut at its column, right-to-left letters) stays inert text in every
format the report and the calendar give out: the page, the PDF, the JSON and the feed."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from incidents.models import Incident, Source, State
from oncall_site.integrations.text import one_line, plain_text
from reports.models import Handoff
from rotations.models import CalendarFeed

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('owned')</script>"
LINK = "javascript:alert(1)"
RAW_TITLE = f"{SCRIPT} \u202eDB down <img src=x onerror=alert(2)> {LINK} " + "x" * 100_000


@pytest.fixture
def hostile(sprint7, pair):
    # What the webhook and the forms store: the edge's own functions.
    title = one_line(RAW_TITLE, Incident._meta.get_field("title").max_length)
    Incident.objects.create(
        title=title,
        source=Source.PAGERDUTY,
        state=State.RESOLVED,
        started_at=datetime(2026, 3, 10, 14, 0, tzinfo=UTC),
        resolved_at=datetime(2026, 3, 10, 15, 0, tzinfo=UTC),
    )
    Handoff.objects.create(sprint=sprint7, notes=plain_text(f"{SCRIPT}\n[click]({LINK})\u202e"))
    return title


def assert_inert_html(text: str) -> None:
    assert "<script>alert" not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert(&#x27;owned&#x27;)&lt;/script&gt;" in text
    assert 'href="javascript:' not in text.lower()
    assert "\u202e" not in text


def test_the_edge_cut_the_title_and_dropped_the_override(hostile):
    assert len(hostile) == 300 and hostile.endswith("…")
    assert "\u202e" not in hostile and hostile.startswith(SCRIPT)


def test_the_page_shows_the_text_escaped(client, pair, hostile):
    client.force_login(pair["users"]["other"])
    response = client.get(reverse("reports:sprint", args=[7]))
    assert response.status_code == 200
    assert_inert_html(response.content.decode())


def test_the_json_carries_the_text_as_data_never_as_markup(client, pair, hostile):
    client.force_login(pair["users"]["other"])
    response = client.get(reverse("reports:sprint", args=[7]) + "?format=json")
    assert response["Content-Type"].startswith("application/json")
    assert response["X-Content-Type-Options"] == "nosniff"  # never sniffed as HTML
    raw = response.content.decode()
    assert "\u202e" not in json.loads(raw).__repr__()
    assert hostile in raw or json.dumps(hostile) in raw


def test_the_pdf_prints_the_text_and_links_nowhere(client, pair, hostile, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: apt-get install poppler-utils (see .ci/run)")
    client.force_login(pair["users"]["other"])
    response = client.get(reverse("reports:sprint", args=[7]) + "?format=pdf")
    assert response.status_code == 200
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)
    assert b"/JavaScript" not in response.content and b"/JS " not in response.content
    assert b"javascript:" not in response.content.lower()
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "<script>alert('owned')</script>" in text  # printed as the words it is


def test_the_calendar_feed_escapes_and_strips(client, pair, sprint7):
    primary = pair["primary"]
    # Stored around the admin's edge, as an import or the shell could.
    primary.name = "Priya\u202e; Shah,\x07 <b>"
    primary.save()
    feed = CalendarFeed(user=pair["users"]["priya"])
    token = feed.set_new_secret()
    feed.save()
    response = client.get(reverse("calendar-feed", args=[token]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "\u202e" not in body and "\x07" not in body
    assert "Priya\\; Shah\\, <b>" in body  # RFC 5545 text escaping; a calendar shows it as text
