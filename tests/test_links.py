"""Links from upstreams: only http(s) is stored, and one filter renders every one."""

import pytest
from django.template import Context, Template

from oncall_site.links import http_url


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/org/repo/pull/7",
        "http://127.0.0.1:8701/repos/org/repo/actions/runs/1",
        "HTTPS://APP.DATADOGHQ.COM/monitors/1",
    ],
)
def test_it_keeps_absolute_http_urls(url):
    assert http_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "java\tscript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "//evil.example/path",
        "/incidents/1/",
        "https:///no-host",
        "https://host/\nInjected: header",
        "",
        None,
        42,
    ],
)
def test_it_drops_everything_else(url):
    assert http_url(url) == ""


def render(url, text="") -> str:
    template = Template("{% load links %}{{ url|external_link:text }}")
    return template.render(Context({"url": url, "text": text}))


def test_the_filter_links_an_http_url_and_escapes_the_text():
    html = render("https://github.com/org/repo/pull/7", "Bump <b>x</b> & y")
    assert html == (
        '<a href="https://github.com/org/repo/pull/7" rel="noopener noreferrer external">'
        "Bump &lt;b&gt;x&lt;/b&gt; &amp; y</a>"
    )


def test_the_filter_renders_a_bad_url_as_plain_text():
    assert render("javascript:alert(1)", "#7") == "#7"
    assert render('javascript:alert("x")') == "javascript:alert(&quot;x&quot;)"
    assert render("", "") == ""


@pytest.mark.django_db
def test_no_page_links_a_stored_javascript_url(client, member):
    """Rows written around the sync (the admin, an old version) still render safely."""
    from datetime import timedelta

    from django.urls import reverse

    from incidents.models import DatadogMonitor, Incident
    from security.models import DependabotPR
    from tests.clock import NOW

    bad = "javascript:alert(document.cookie)"
    DependabotPR.objects.create(
        number=7,
        title="Bump x",
        head_sha="a" * 40,
        head_ref="dependabot/x",
        base_ref="develop",
        opened_at=NOW,
        html_url=bad,
        ci_status="success",
        last_seen_at=NOW,
    )
    incident = Incident.objects.create(
        title="BIP down", started_at=NOW - timedelta(hours=1), upstream_url=bad, ticket_url=bad
    )
    DatadogMonitor.objects.create(
        monitor_id=1, name="BIP 5xx", status="Alert", url=bad, first_seen_at=NOW, last_seen_at=NOW
    )
    client.force_login(member)
    for url in (
        reverse("dashboard"),
        reverse("alert-list"),
        reverse("incident-detail", args=[incident.pk]),
    ):
        body = client.get(url).content.decode()
        assert 'href="javascript' not in body.lower(), url
    assert "#7" in client.get(reverse("dashboard")).content.decode()
