"""Datadog API v1 through datadog-api-client: monitors in Alert, Warn or No Data.

The client's return-type checking is off (`check_return_type=False`): with it on, one
monitor with a field of an unexpected type fails the whole page. The normalizer here checks
what the dashboard needs instead, so an unknown status or an extra field is harmless.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import urllib3
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.exceptions import ApiException, OpenApiException
from datadog_api_client.rest import ClientRetry
from datadog_api_client.v1.api.monitors_api import MonitorsApi

from oncall_site.integrations import Limits, Source, WaitCap, limits_from_settings
from oncall_site.integrations.errors import (
    UpstreamError,
    bad_payload,
    from_status,
    network_error,
)

DATADOG = Source("datadog", "Datadog")
ALERTING = ("Alert", "Warn", "No Data")
MAX_PAGES = 1_000  # a guard against a metadata.page_count that never ends


@dataclass(frozen=True)
class Config:
    api_key: str
    app_key: str
    api_url: str = "https://api.datadoghq.com"
    query: str = ""
    limits: Limits = field(default_factory=Limits)
    page_size: int = 100


@dataclass(frozen=True)
class Monitor:
    id: int
    name: str
    status: str  # Alert, Warn, No Data, OK, ... as Datadog says it
    tags: tuple[str, ...]
    last_triggered_at: datetime | None
    url: str
    type: str | None = None


def config_from_settings() -> Config | None:
    """The Datadog source from settings, or None without both `DATADOG_API_KEY` and
    `DATADOG_APP_KEY`.

    Reference: https://docs.datadoghq.com/account_management/api-app-keys/
    """
    from django.conf import settings

    if not settings.DATADOG_API_KEY or not settings.DATADOG_APP_KEY:
        return None
    return Config(
        api_key=settings.DATADOG_API_KEY,
        app_key=settings.DATADOG_APP_KEY,
        api_url=settings.DATADOG_API_URL,
        query=settings.DATADOG_MONITOR_QUERY,
        limits=limits_from_settings(),
    )


class _Retry(WaitCap, ClientRetry):
    """Datadog's retry (429 and 5xx, waiting `X-RateLimit-Reset`), capped by WaitCap."""


def build_client(config: Config) -> ApiClient:
    """An ApiClient whose every operation goes to `config.api_url` (any Datadog site), with
    a timeout and `max_retries` bounded retries, none waiting longer than `max_wait_seconds`.

    Reference: https://datadoghq.dev/datadog-api-client-python/datadog_api_client.html#module-datadog_api_client.configuration
    """
    limits = config.limits
    configuration = Configuration(
        host=config.api_url.rstrip("/"),
        api_key={"apiKeyAuth": config.api_key, "appKeyAuth": config.app_key},
        enable_retry=True,
        max_retries=limits.max_retries,
        request_timeout=limits.timeout_seconds,
        check_return_type=False,
    )
    # The policy the client would build from enable_retry (its ClientRetry), plus our wait
    # cap and backoff (Configuration refuses a backoff factor under 2 s), handing the last
    # response back after the retries (raise_on_status=False) so ApiException has a status.
    configuration.retry_policy = _Retry(
        total=limits.max_retries,
        backoff_factor=limits.backoff_seconds,
        backoff_max=limits.max_wait_seconds,
        retry_after_max=max(1, int(limits.max_wait_seconds)),
        raise_on_status=False,
        source=DATADOG.key,
        source_name=DATADOG.name,
        max_wait=limits.max_wait_seconds,
    )
    return ApiClient(configuration)


@contextmanager
def _translated(config: Config) -> Iterator[None]:
    """datadog-api-client and urllib3 exceptions, and unreadable records, leave as UpstreamError."""
    try:
        yield
    except UpstreamError:
        raise
    except ApiException as exc:
        status = int(exc.status or 0)
        if not status:  # TLS and other failures before any response
            raise network_error(
                DATADOG.key, DATADOG.name, exc, config.limits.timeout_seconds
            ) from exc
        detail = ""
        if isinstance(exc.body, Mapping):
            detail = "; ".join(str(e) for e in exc.body.get("errors") or ())
        raise from_status(
            DATADOG.key,
            DATADOG.name,
            status,
            headers=exc.headers,
            detail=detail,
            credential="API or application key",
        ) from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise network_error(DATADOG.key, DATADOG.name, exc, config.limits.timeout_seconds) from exc
    except (OpenApiException, KeyError, TypeError, ValueError) as exc:
        # ApiTypeError/ApiValueError: the body is not the documented JSON.
        raise bad_payload(DATADOG.key, DATADOG.name, exc) from exc


def _plain(value: Any) -> Any:
    """The client's model objects as plain dicts and lists."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return value


# Fetch


def iter_monitors(
    client: ApiClient, config: Config, *, statuses: Iterable[str] = ALERTING
) -> Iterator[Monitor]:
    """Monitors matching `config.query` whose status is one of `statuses`, page by page.

    Reference: https://docs.datadoghq.com/api/latest/monitors/#monitors-search
    """
    wanted = set(statuses)
    api = MonitorsApi(client)
    kwargs: dict[str, Any] = {"per_page": config.page_size}
    if config.query:
        kwargs["query"] = config.query
    with _translated(config):
        for page in range(MAX_PAGES):
            response = _plain(api.search_monitors(page=page, **kwargs))
            body = DATADOG.mapping(response, "monitor search")
            monitors = body.get("monitors")
            if monitors is None:
                raise DATADOG.bad("monitor search answered without a monitors list")
            if not isinstance(monitors, list):
                raise DATADOG.bad("monitors is not a list")
            for raw in monitors:
                monitor = normalize_monitor(_plain(raw), api_url=config.api_url)
                if monitor.status in wanted:
                    yield monitor
            # metadata.page_count decides. An empty page before it means the listing is
            # incomplete: fail rather than let the sync mark unseen alerts as recovered.
            page_count = DATADOG.nested(body, "metadata", "page_count")
            if not monitors and isinstance(page_count, int) and page + 1 < page_count:
                raise DATADOG.bad(f"an empty page {page + 1} of {page_count} in the monitor search")
            if isinstance(page_count, int) and not isinstance(page_count, bool):
                if page + 1 >= page_count:
                    return
            elif len(monitors) < config.page_size:
                return


# Normalize


def app_url(api_url: str) -> str:
    """The web app root for an API root: api.datadoghq.com -> app.datadoghq.com,
    api.us3.datadoghq.com -> us3.datadoghq.com, api.ddog-gov.com -> app.ddog-gov.com.
    Anything else (a sandbox) is used as it is.

    Reference: https://docs.datadoghq.com/getting_started/site/
    """
    parts = urlsplit(api_url)
    host = parts.hostname or ""
    if not host.startswith("api."):
        return api_url.rstrip("/")
    rest = host.removeprefix("api.")
    if rest.count(".") == 1:  # datadoghq.com, datadoghq.eu, ddog-gov.com
        rest = f"app.{rest}"
    return f"{parts.scheme}://{rest}"


def normalize_monitor(
    raw: Mapping[str, Any], *, api_url: str = "https://api.datadoghq.com"
) -> Monitor:
    """One result of the monitor search; `last_triggered_ts` is epoch seconds.

    Reference: https://docs.datadoghq.com/api/latest/monitors/#monitors-search
    """
    raw = DATADOG.mapping(raw, "monitor")
    monitor_id = DATADOG.required(raw, "id", "monitor")
    if isinstance(monitor_id, bool) or not isinstance(monitor_id, int | str):
        raise DATADOG.bad(f"monitor id is not a number: {monitor_id!r}")
    try:
        monitor_id = int(monitor_id)
    except ValueError:
        raise DATADOG.bad(f"monitor id is not a number: {monitor_id!r}") from None
    triggered = raw.get("last_triggered_ts")
    if triggered is not None and not isinstance(triggered, int | float):
        raise DATADOG.bad(f"monitor {monitor_id} last_triggered_ts is not a number: {triggered!r}")
    if triggered is not None and triggered > 100_000_000_000:
        triggered = triggered / 1000  # milliseconds, not seconds
    tags = raw.get("tags") or ()
    return Monitor(
        id=monitor_id,
        name=str(raw.get("name") or f"Monitor {monitor_id}"),
        status=str(raw.get("status") or "Unknown"),
        tags=tuple(str(tag) for tag in tags) if isinstance(tags, list | tuple) else (),
        last_triggered_at=(
            datetime.fromtimestamp(triggered, tz=UTC) if triggered is not None else None
        ),
        url=f"{app_url(api_url)}/monitors/{monitor_id}",
        type=DATADOG.text(raw, "type"),
    )
