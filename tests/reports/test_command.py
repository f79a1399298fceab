"""`manage.py handoff_report` in its three formats, and its errors."""

from __future__ import annotations

import io
import json
import shutil
import subprocess

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("handoff_report", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_json_and_html_go_to_stdout(sprint7, at_now) -> None:
    document = json.loads(run("--sprint", "7", "--format", "json"))
    assert document["sprint"]["number"] == 7
    assert document["rotation"]["pages"]["total"] == 3
    html = run("--format", "html")  # the current sprint: 7 at NOW
    assert "<h1>Sprint 7 handoff report</h1>" in html
    assert "Save notes" not in html  # printed: no forms


def test_the_pdf_is_written_and_its_pages_render(sprint7, tmp_path, at_now) -> None:
    target = tmp_path / "sprint-7.pdf"
    run("--sprint", "7", "--format", "pdf", "--paper", "a4", "--output", str(target))
    assert target.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: apt-get install poppler-utils (see .ci/run)")
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(target), str(tmp_path / "page")], check=True
    )
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and all(p.stat().st_size > 1000 for p in pages)
    # The page numbers come from the print stylesheet: read from disk, not over HTTP.
    text = subprocess.run(
        ["pdftotext", "-layout", str(target), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert f"Page 1 of {len(pages)}" in text
    assert "Sprint 7 handoff report" in text and "Save notes" not in text


def test_unknown_sprints_and_a_pdf_without_a_file_are_refused(sprint7) -> None:
    with pytest.raises(CommandError, match="There is no sprint 99."):
        run("--sprint", "99", "--format", "json")
    with pytest.raises(CommandError, match="A PDF needs a file: add --output report.pdf."):
        run("--sprint", "7", "--format", "pdf")
