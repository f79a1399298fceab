"""The sprint handoff report in Chromium: reached from the checklist, accessible, notes written
and saved, and printed: no navigation or forms, no row that may be cut across pages, headings
kept with what follows, the header row repeated."""

import pytest
from django.utils import timezone

from reports.models import Handoff
from rotations import selectors
from tests.browser.test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PRINT_STYLES = """() => {
  const style = (el) => getComputedStyle(el);
  const shown = (sel) => [...document.querySelectorAll(sel)].filter(
    (el) => style(el).display !== 'none' && el.getClientRects().length > 0).length;
  return {
    rows: document.querySelectorAll('.report tr').length,
    cuttable: [...document.querySelectorAll('.report tr')].filter(
      (tr) => style(tr).breakInside !== 'avoid').length,
    loose_headings: [...document.querySelectorAll('.report h2, .report h3')].filter(
      (h) => style(h).breakAfter !== 'avoid').length,
    heads: [...document.querySelectorAll('.report thead')].map((t) => style(t).display),
    forms: shown('form, button, textarea'),
    navigation: shown('nav, .site-header'),
  };
}"""


def test_the_checklist_leads_to_the_report_and_the_pair_writes_notes(logged_in, live_server):
    page = logged_in
    sprint = selectors.current_sprint(now=timezone.now())
    page.get_by_role("link", name="the sprint's report").click()
    page.wait_for_url(f"{live_server.url}/reports/sprint/{sprint.number}/#handoff")
    assert page.get_by_role("heading", level=1).inner_text() == (
        f"Sprint {sprint.number} handoff report"
    )
    assert violations(page) == []
    page.get_by_role("textbox", name="Handoff notes").fill(
        "svc-bgs-api restarts nightly; watch it."
    )
    page.get_by_role("button", name="Save notes").click()
    page.wait_for_load_state()
    assert (
        f"Sprint {sprint.number}'s handoff notes saved." in page.locator(".messages").inner_text()
    )
    assert Handoff.objects.get(sprint=sprint).notes == "svc-bgs-api restarts nightly; watch it."

    page.emulate_media(media="print")
    printed = page.evaluate(PRINT_STYLES)
    assert printed["rows"] > 8
    assert printed["cuttable"] == 0, "rows a page break may cut"
    assert printed["loose_headings"] == 0, "headings a page break may leave alone"
    assert set(printed["heads"]) == {"table-header-group"}
    assert (printed["forms"], printed["navigation"]) == (0, 0)
    assert "svc-bgs-api restarts nightly; watch it." in page.locator("#handoff").inner_text()
    pdf = page.pdf(format="A4", print_background=False)
    assert pdf.startswith(b"%PDF")


def test_the_index_is_accessible_and_links_each_report(logged_in, live_server):
    page = logged_in
    page.get_by_role("link", name="Reports").click()
    page.wait_for_url(f"{live_server.url}/reports/")
    assert violations(page) == []
    sprint = selectors.current_sprint(now=timezone.now())
    page.get_by_role("link", name=f"Sprint {sprint.number}", exact=True).click()
    page.wait_for_url(f"{live_server.url}/reports/sprint/{sprint.number}/")
