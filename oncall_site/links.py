"""Links that came from upstreams: only absolute http(s) URLs are stored or rendered."""

import re
from urllib.parse import urlsplit

# Control characters and any whitespace (str.isspace's set: Unicode spaces included).
_UNSAFE = re.compile(r"[\x00-\x1f\s]")


def http_url(value: object) -> str:
    """`value` if it is an absolute http(s) URL with a host, else "".

    Upstream text reaches our pages as links (a PR's `html_url`, a monitor's URL); a
    `javascript:` or `data:` URL there would run in the user's session when clicked.
    """
    if not isinstance(value, str):
        return ""
    text = value.strip()
    if _UNSAFE.search(text):  # a regex, not a loop per character: pages render hundreds
        return ""
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return ""
    return text
