"""`{{ url|external_link:"text" }}`: every link to an upstream page, rendered one way."""

from django import template
from django.utils.html import format_html

from oncall_site.links import http_url

register = template.Library()


@register.filter
def external_link(url: object, text: object = "") -> str:
    """An `<a>` to an http(s) URL, opening the upstream's page; anything else is plain text.

    `text` defaults to the URL. Both are escaped; a URL that is not http(s) is not linked.
    """
    label = text if text not in (None, "") else url
    href = http_url(url)
    if not href:
        return format_html("{}", label or "")
    return format_html('<a href="{}" rel="noopener noreferrer external">{}</a>', href, label)
