"""One package per upstream (github, pagerduty, datadog, slack), each the same shape.

    <vendor>/client.py     the frozen `Config` (`config_from_settings()`: None when the
                           source is not configured) and `build_client(config)`: the
                           vendor's own client library with the base URL, the token, a
                           timeout and the bounded retries of `retries.py`
    <vendor>/types.py      the frozen dataclasses the rest of the site receives
    <vendor>/resources.py  fetch -> normalize: `iter_*` generators that stream page by page
                           (nothing builds the whole list) and pure `normalize_*` functions
                           of one raw payload
    <vendor>/webhooks.py   where the vendor sends webhooks: a verified payload parsed into
                           the dataclasses of types.py (signatures: `webhook_signatures`)
    <vendor>/__init__.py   the names the rest of the site uses: `github.iter_workflow_runs`

Every failure leaves a package as one of the typed errors in `errors.py`. No ORM here:
`<app>/sync.py` and `incidents/inbound.py` store what these return.

Shared by the packages: the retry policy (`retries.py`: `Limits`, `WaitCap`), the
timestamp parser (`timestamps.py`: `parse_instant`), the text every upstream and form
hands in (`text.py`: `plain_text`, `one_line`, `fit`: no control characters, fitted to
its column) and the field readers of the
normalizers (`payloads.py`: `Source`).
"""

from oncall_site.integrations.payloads import Source
from oncall_site.integrations.retries import Limits, WaitCap, limits_from_settings
from oncall_site.integrations.text import fit, one_line, plain_text
from oncall_site.integrations.timestamps import isoformat_z, parse_instant

__all__ = [
    "Limits",
    "Source",
    "WaitCap",
    "fit",
    "isoformat_z",
    "limits_from_settings",
    "one_line",
    "parse_instant",
    "plain_text",
]
