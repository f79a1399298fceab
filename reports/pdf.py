"""The report as PDF, by WeasyPrint (print media, `@page` counters), without HTTP: the
stylesheets the page links are read from the static files on disk.

WeasyPrint needs Pango (Debian: libpango-1.0-0, libpangoft2-1.0-0). It is imported only when a
PDF is asked for, so the site starts without it and answers that one format with a clear
error instead.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders

PAPERS = {"letter": "letter", "a4": "A4"}
BASE_URL = "http://report.invalid/"  # for documents without a site (the print tests)
# WeasyPrint logs each step of each PDF at INFO; the site's log wants the warnings only.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
# It also warns of every screen-only CSS property it ignores (SVG fills, `clip`), on every
# PDF; the charts carry their colours as attributes, so those warnings say nothing new.
logging.getLogger("weasyprint").setLevel(logging.ERROR)


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the Pango it needs is not installed here."""


def static_path(url: str) -> Path | None:
    """The file on disk behind a static URL of the page (`/static/css/report.css`), or None
    for anything else: a PDF never fetches over the network."""
    prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    path = urlsplit(url).path
    if not path.startswith(prefix):
        return None
    name = path.removeprefix(prefix)
    if ".." in Path(name).parts:
        return None
    found = finders.find(name)
    if found:
        return Path(found)
    collected = Path(settings.STATIC_ROOT) / name
    return collected if collected.is_file() else None


def render_pdf(html: str, *, paper: str = "letter") -> bytes:
    """The PDF of one rendered report page on `paper` (a key of PAPERS)."""
    try:
        import weasyprint
        from weasyprint.urls import URLFetcher, URLFetcherResponse
    except (ImportError, OSError) as exc:  # OSError: the package is there, Pango is not
        raise PdfUnavailable(
            "PDF export needs WeasyPrint and Pango (Debian: apt-get install libpango-1.0-0 "
            "libpangoft2-1.0-0); print the page from the browser instead."
        ) from exc

    class StaticOnly(URLFetcher):
        def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
            found = static_path(url)
            if found is None:
                raise ValueError(f"not a static file of the site: {url}")
            kind = "text/css" if found.suffix == ".css" else "application/octet-stream"
            return URLFetcherResponse(url, found.read_bytes(), {"Content-Type": kind})

    size = weasyprint.CSS(string=f"@page {{ size: {PAPERS[paper]}; }}")
    # Links in the PDF resolve against the site's address, so they open the rows behind each
    # figure; only the static files are read, from disk.
    base = settings.SITE_URL.rstrip("/") + "/"
    document = weasyprint.HTML(string=html, base_url=base, url_fetcher=StaticOnly())
    return document.write_pdf(stylesheets=[size])
