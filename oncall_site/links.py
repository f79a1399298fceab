"""Links that came from upstreams: only absolute http(s) URLs are stored or rendered."""

from urllib.parse import urlsplit


def http_url(value: object) -> str:
    """`value` if it is an absolute http(s) URL with a host, else "".

    Upstream text reaches our pages as links (a PR's `html_url`, a monitor's URL); a
    `javascript:` or `data:` URL there would run in the user's session when clicked.
    """
    if not isinstance(value, str):
        return ""
    text = value.strip()
    if any(ord(c) < 32 or c.isspace() for c in text):
        return ""
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return ""
    return text
