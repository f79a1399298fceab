"""Server time of the sprint handoff report beside the bare page, with two years of history
(52 sprints with their pairs, 5,000 incidents, 50,000 findings, 5,000 SecRel runs, 2,000
Dependabot PRs), and the time to make its PDF.

`report_vs_floor_ratio` is the page as kept between two writes, `*_computed_*` right after
one (oncall_site/page_cache.py). Same method as `benchmarks/dashboard.py`: a scratch SQLite database in its own process, the
demo team, rows stored in bulk, the page timed alternately with the floor.
"""

import statistics
import sys
import time

from benchmarks.dashboard import in_scratch_database, two_years
from benchmarks.pages import figure, kept_and_computed

PDF_REPEATS = 3


def measure() -> None:
    client, settings = two_years()
    from django.utils import timezone

    from rotations.selectors import current_sprint

    number = current_sprint(now=timezone.now()).number
    pages = {
        "report": f"/reports/sprint/{number}/",
        "report_json": f"/reports/sprint/{number}/?format=json",
    }
    for name, url in pages.items():
        kept_and_computed(client, settings, name, url)
    seconds = []
    for _ in range(PDF_REPEATS):
        began = time.perf_counter()
        response = client.get(f"/reports/sprint/{number}/?format=pdf")
        seconds.append(time.perf_counter() - began)
        if response.status_code != 200:
            raise SystemExit(f"the report's PDF answered {response.status_code}")
    figure("report_pdf_seconds", statistics.median(seconds))


def main() -> None:
    in_scratch_database("benchmarks.report")


if __name__ == "__main__":
    if "--measure" in sys.argv:
        measure()
    else:
        main()
