"""Reading configuration from the environment, failing loudly on malformed values."""

import os
from collections.abc import Mapping
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def envstr(name: str, default: str = "", environ: Mapping[str, str] = os.environ) -> str:
    return environ.get(name, default).strip()


def envbool(name: str, default: bool, environ: Mapping[str, str] = os.environ) -> bool:
    if name not in environ:
        return default
    value = environ[name].strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false (1/0, yes/no), not {environ[name]!r}")


def envint(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    environ: Mapping[str, str] = os.environ,
) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def envlist(name: str, environ: Mapping[str, str] = os.environ) -> list[str]:
    """Comma-separated values, blanks dropped: `PAGERDUTY_SERVICE_IDS=PABC123, PDEF456`."""
    return [part.strip() for part in environ.get(name, "").split(",") if part.strip()]


def envurl(name: str, default: str, environ: Mapping[str, str] = os.environ) -> str:
    """An http(s) API root without a trailing slash."""
    raw = environ.get(name, "").strip() or default
    parsed = urlparse(raw)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        raise ImproperlyConfigured(
            f"{name} must be an http(s) URL such as {default!r}, not {raw!r}"
        )
    return raw.rstrip("/")


def envrepo(name: str, environ: Mapping[str, str] = os.environ) -> str:
    """A GitHub `owner/name`, or empty when unset."""
    raw = environ.get(name, "").strip()
    if raw and (raw.count("/") != 1 or not all(raw.split("/"))):
        raise ImproperlyConfigured(f"{name} must look like owner/name, not {raw!r}")
    return raw


def envfloat(
    name: str, default: float, *, minimum: float = 0.0, environ: Mapping[str, str] = os.environ
) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def envmapping(
    name: str, *, allowed_values: set[str], environ: Mapping[str, str] = os.environ
) -> dict[str, str] | None:
    """`KEY=VALUE` pairs, comma-separated (`P1=SEV1,P2=SEV2`); None when unset."""
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    out: dict[str, str] = {}
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or value.strip() not in allowed_values:
            raise ImproperlyConfigured(
                f"{name} must be comma-separated pairs like P1=SEV1 with values among "
                f"{', '.join(sorted(allowed_values))}; {part!r} is not"
            )
        out[key.strip()] = value.strip()
    return out


def envintervals(
    prefix: str = "SYNC_", suffix: str = "_MINUTES", environ: Mapping[str, str] = os.environ
) -> dict[str, int]:
    """Every `SYNC_<NAME>_MINUTES` set, as {"<name>": minutes}: `SYNC_GITHUB_MINUTES=10`
    gives {"github": 10}, `SYNC_GITHUB_SECREL_RUNS_MINUTES=2` {"github_secrel_runs": 2}.
    Read by pattern, so a new sync job needs no new setting."""
    out: dict[str, int] = {}
    for name in environ:
        if name.startswith(prefix) and name.endswith(suffix) and len(name) > len(prefix + suffix):
            key = name[len(prefix) : -len(suffix)].lower()
            if environ[name].strip():
                out[key] = envint(name, 1, minimum=1, environ=environ)
    return out
