"""The Datadog client: datadog-api-client with the site, the keys, a timeout and bounded
retries.

The client's return-type checking is off (`check_return_type=False`): with it on, one
monitor with a field of an unexpected type fails the whole page. The normalizer checks
what the dashboard needs instead, so an unknown status or an extra field is harmless.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

import urllib3
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.exceptions import ApiException, OpenApiException
from datadog_api_client.rest import ClientRetry

from oncall_site.integrations.errors import (
    UpstreamError,
    bad_payload,
    from_status,
    network_error,
)
from oncall_site.integrations.payloads import Source
from oncall_site.integrations.retries import Limits, WaitCap, limits_from_settings, retry_for

DATADOG = Source("datadog", "Datadog")


@dataclass(frozen=True)
class Config:
    api_key: str
    app_key: str
    api_url: str = "https://api.datadoghq.com"
    query: str = ""
    limits: Limits = field(default_factory=Limits)
    page_size: int = 100


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
    """Datadog's retry (it waits what `X-RateLimit-Reset` says) under the site's policy."""


def build_client(config: Config) -> ApiClient:
    """An ApiClient whose every operation goes to `config.api_url` (any Datadog site), with
    a timeout and the site's bounded retries as its `retry_policy` (Configuration refuses
    a backoff under 2 s, so the policy is handed over whole rather than as settings).

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
        retry_policy=retry_for(_Retry, limits, DATADOG),
    )
    return ApiClient(configuration)


@contextmanager
def upstream_errors(config: Config) -> Iterator[None]:
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
