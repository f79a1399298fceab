"""The report on paper, laid out by WeasyPrint with the report's print stylesheet, on A4 and
US Letter: no table row is cut across pages, a heading starts the page its table starts on,
the header row repeats on every page, and every page is numbered."""

from __future__ import annotations

from pathlib import Path

import pytest
import weasyprint

from reports.pdf import BASE_URL, PAPERS

STATIC = Path(__file__).resolve().parents[2] / "static" / "css"
ROWS = 60


def sheets(paper: str) -> list:
    files = ("site.css", "report.css", "report-print.css")
    return [weasyprint.CSS(filename=str(STATIC / name)) for name in files] + [
        weasyprint.CSS(string=f"@page {{ size: {PAPERS[paper]}; }}")
    ]


def long_report() -> str:
    # Rows of three to six lines each, so a page break falls inside one unless avoided.
    rows = "".join(
        f'<tr id="row-{n}"><th scope="row">Incident {n}</th><td>'
        + "<br>".join(f"timeline line {k}" for k in range(3 + n % 4))
        + "</td></tr>"
        for n in range(ROWS)
    )
    filler = "".join(f"<p>Paragraph {n} of the handoff notes.</p>" for n in range(25))
    return (
        '<main><article class="report"><h1>Sprint 7 handoff report</h1>'
        f'<section class="report-section">{filler}'
        '<h2 id="table-heading">Incidents</h2>'
        '<table class="report-table"><thead><tr id="head"><th>Incident</th><th>Timeline</th>'
        f"</tr></thead><tbody>{rows}</tbody></table></section></article></main>"
    )


def pages_of(paper: str) -> list[dict[str, list[str]]]:
    """Per page, the ids of the elements with boxes on it, in order."""
    document = weasyprint.HTML(string=long_report(), base_url=BASE_URL).render(
        stylesheets=sheets(paper)
    )
    pages = []
    for page in document.pages:
        seen: list[str] = []
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            ident = element.get("id") if element is not None else None
            if ident and box.element_tag in {"tr", "h2"} and ident not in seen:
                seen.append(ident)
        pages.append({"ids": seen})
    return pages


@pytest.mark.parametrize("paper", list(PAPERS))
def test_no_row_is_cut_and_the_heading_and_header_row_travel_with_the_table(paper) -> None:
    pages = pages_of(paper)
    assert len(pages) >= 3
    rows = [[i for i in page["ids"] if i.startswith("row-")] for page in pages]
    everywhere = [i for page in rows for i in page]
    assert len(everywhere) == len(set(everywhere)) == ROWS, "a row is on two pages: cut"
    heading_page = next(n for n, page in enumerate(pages) if "table-heading" in page["ids"])
    assert rows[heading_page], "the heading was left alone at the foot of a page"
    for page, found in zip(pages, rows, strict=True):
        if found:
            assert "head" in page["ids"], "a page of rows without the header row"


# The text block's height in CSS px: the paper's, less report-print.css's 16 mm and 18 mm.
TEXT_HEIGHT = {"letter": 11 * 96 - (16 + 18) * 96 / 25.4, "a4": (297 - 16 - 18) * 96 / 25.4}


@pytest.mark.parametrize("paper", list(PAPERS))
def test_a_heading_at_the_foot_of_a_page_moves_to_its_table(paper) -> None:
    """WeasyPrint keeps headings with what follows by itself (its UA sheet); Chromium does
    not, which tests/browser/test_report.py checks of our own rule."""
    # Room at the foot of the first page for the heading alone, not its first row.
    spacer = TEXT_HEIGHT[paper] - 60
    html = (
        f'<main><article class="report"><section class="report-section">'
        f'<div class="spacer" style="height:{spacer:.0f}px"></div>'
        '<h2 id="table-heading">Incidents</h2><table class="report-table"><thead>'
        '<tr id="head"><th>Incident</th><th>Timeline</th></tr></thead><tbody>'
        + "".join(
            f'<tr id="row-{n}"><th>Incident {n}</th><td>a<br>b<br>c</td></tr>' for n in range(5)
        )
        + "</tbody></table></section></article></main>"
    )
    document = weasyprint.HTML(string=html, base_url=BASE_URL).render(stylesheets=sheets(paper))
    found = {}
    for number, page in enumerate(document.pages):
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if element is not None and element.get("id") in {"table-heading", "row-0"}:
                found.setdefault(element.get("id"), number)
    assert found["table-heading"] == found["row-0"] == 1


def test_every_page_is_numbered() -> None:
    document = weasyprint.HTML(string=long_report(), base_url=BASE_URL).render(
        stylesheets=sheets("letter")
    )
    total = len(document.pages)
    for number, page in enumerate(document.pages, start=1):
        texts = [
            box.text
            for box in page._page_box.descendants()
            if type(box).__name__ == "TextBox" and box.text.startswith("Page ")
        ]
        assert texts == [f"Page {number} of {total}"]
