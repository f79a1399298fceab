"""`start_sandbox()` and the handle tests, the demo and the benchmark drive the sandbox with."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from . import control
from .clock import SandboxClock
from .datadog import Datadog
from .dataset import Dataset, Items
from .facts import TEAM, Facts
from .faults import Fault, FaultBoard, FaultKind, RequestLog, canonical_kind
from .github import GitHub
from .loader import items_from_json
from .models import (
    CheckRun,
    CodeScanningAlert,
    CommitStatus,
    CreatedIssue,
    DependabotAlert,
    Incident,
    LogEntry,
    Monitor,
    OncallShift,
    PullRequest,
    SlackMessage,
    WorkflowRun,
)
from .pagerduty import PagerDuty
from .scenario import GeneratedSource, ScenarioConfig, StaticSource
from .scripts import Step
from .server import Request, Response, SandboxState, Tokens, Vendor, VendorServer
from .slack import Slack
from .timeutil import iso, parse_instant

DEFAULT_PORTS = {"github": 8701, "pagerduty": 8702, "datadog": 8703, "slack": 8704}


class Sandbox:
    """Four fake upstreams on loopback sharing one clock, one dataset and one fault board."""

    def __init__(self, state: SandboxState, servers: dict[str, VendorServer]) -> None:
        self.state = state
        self._servers = servers

    # --- where things are ----------------------------------------------------------------

    @property
    def github_url(self) -> str:
        return self._servers["github"].url

    @property
    def pagerduty_url(self) -> str:
        return self._servers["pagerduty"].url

    @property
    def datadog_url(self) -> str:
        return self._servers["datadog"].url

    @property
    def slack_url(self) -> str:
        return self._servers["slack"].url

    @property
    def slack_webhook_url(self) -> str:
        return self.slack_url + self.state.tokens.slack_path

    @property
    def tokens(self) -> Tokens:
        return self.state.tokens

    @property
    def facts(self) -> Facts:
        return self.state.source.facts

    def env(self) -> dict[str, str]:
        """The site's configuration (DESIGN.md's table) pointing every source at the sandbox."""
        facts, tokens = self.facts, self.state.tokens
        return {
            "GITHUB_API_URL": self.github_url,
            "GITHUB_TOKEN": tokens.github,
            "GITHUB_REPOSITORY": facts.repository,
            "SECREL_WORKFLOW": facts.workflow_file,
            "SECREL_BRANCH": facts.default_branch,
            "PAGERDUTY_API_URL": self.pagerduty_url,
            "PAGERDUTY_API_TOKEN": tokens.pagerduty,
            "PAGERDUTY_SERVICE_IDS": ",".join(s.id for s in facts.services),
            "PAGERDUTY_SCHEDULE_IDS": ",".join(s.id for s in facts.schedules),
            "DATADOG_API_URL": self.datadog_url,
            "DATADOG_API_KEY": tokens.datadog_api_key,
            "DATADOG_APP_KEY": tokens.datadog_app_key,
            "DATADOG_MONITOR_QUERY": "tag:team:vro",
            "SLACK_WEBHOOK_URL": self.slack_webhook_url,
        }

    def endpoints(self) -> list[str]:
        """Every endpoint name faults and request counts use, e.g. `pagerduty.incidents`."""
        return [r.endpoint for server in self._servers.values() for r in server.vendor.routes]

    # --- time and data -------------------------------------------------------------------

    @property
    def clock(self) -> SandboxClock:
        return self.state.clock

    def now(self) -> datetime:
        return self.state.clock.now()

    @property
    def dataset(self) -> Dataset:
        """What is being served at this moment (for tests to compute expected answers)."""
        return self.state.snapshot()[0]

    def load(
        self,
        *,
        incidents: Iterable[Incident] = (),
        log_entries: Iterable[LogEntry] = (),
        oncalls: Iterable[OncallShift] | None = None,
        workflow_runs: Iterable[WorkflowRun] = (),
        pulls: Iterable[PullRequest] = (),
        check_runs: Iterable[CheckRun] = (),
        commit_statuses: Iterable[CommitStatus] = (),
        code_scanning_alerts: Iterable[CodeScanningAlert] = (),
        dependabot_alerts: Iterable[DependabotAlert] = (),
        monitors: Iterable[Monitor] = (),
    ) -> None:
        """Replace the whole scenario with exactly these items (anything not given is empty;
        on-calls default to the team's rotation). The clock still decides what exists yet."""
        self.load_items(
            Items(
                incidents=list(incidents),
                log_entries=list(log_entries),
                oncalls=None if oncalls is None else list(oncalls),
                workflow_runs=list(workflow_runs),
                pulls=list(pulls),
                check_runs=list(check_runs),
                commit_statuses=list(commit_statuses),
                code_scanning_alerts=list(code_scanning_alerts),
                dependabot_alerts=list(dependabot_alerts),
                monitors=list(monitors),
            )
        )

    def load_items(self, items: Items) -> None:
        self.state.source = StaticSource(Dataset(self.facts, items))

    def use_scenario(
        self, config: ScenarioConfig | None = None, start: datetime | None = None
    ) -> None:
        """Go back to a generated scenario (seeded), starting at `start` (default: now)."""
        self.state.source = GeneratedSource(config, start or self.now())

    # --- faults and what was received ----------------------------------------------------

    @property
    def faults(self) -> FaultBoard:
        return self.state.faults

    def fail(
        self,
        endpoint: str,
        kind: FaultKind | str,
        *,
        times: int | None = None,
        skip: int = 0,
        delay: float = 5.0,
        retry_after: int = 1,
        status: int | None = None,
    ) -> Fault:
        """Switch a fault on: `sandbox.fail("pagerduty.incidents", "rate_limit", times=2)`."""
        return self.state.faults.add(
            Fault(
                endpoint=endpoint,
                kind=canonical_kind(kind),
                times=times,
                skip=skip,
                delay=delay,
                retry_after=retry_after,
                status=status,
            )
        )

    @contextmanager
    def fault(self, endpoint: str, kind: FaultKind | str, **options: Any) -> Iterator[Fault]:
        """The same as `fail()`, switched off again when the block ends."""
        fault = self.fail(endpoint, kind, **options)
        try:
            yield fault
        finally:
            self.state.faults.remove(fault.id)

    def clear_faults(self, endpoint: str | None = None) -> None:
        self.state.faults.clear(endpoint)

    def script(self, endpoint: str, *replies: Step) -> None:
        """Answer `endpoint` with exactly these replies, in order, the last one repeating:
        `sandbox.script("github.workflow_runs", Reply(429, headers={"Retry-After": "1"}),
        SERVE)` (see `scripts.py`). Replaces the endpoint's earlier script."""
        if endpoint not in self.endpoints():
            raise ValueError(f"unknown endpoint {endpoint!r}; one of {', '.join(self.endpoints())}")
        self.state.scripts.set(endpoint, list(replies))

    def clear_scripts(self, endpoint: str | None = None) -> None:
        """The sandbox answers from its data again (one endpoint, or all)."""
        self.state.scripts.clear(endpoint)

    @property
    def requests(self) -> RequestLog:
        """`sandbox.requests.count("github.*")`, `.counts()`, `.records()`, `.reset()`."""
        return self.state.requests

    @property
    def slack_messages(self) -> list[SlackMessage]:
        return list(self.state.slack_messages)

    @property
    def created_issues(self) -> list[CreatedIssue]:
        return list(self.state.created_issues)

    # --- lifecycle -----------------------------------------------------------------------

    def stop(self) -> None:
        self.state.stopping.set()  # wakes requests sleeping in a `slow` fault
        # In parallel: each shutdown waits out its server's poll interval.
        stoppers = [threading.Thread(target=server.stop) for server in self._servers.values()]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def info(self) -> dict[str, Any]:
        return {
            "urls": {name: server.url for name, server in self._servers.items()},
            "env": self.env(),
            "endpoints": self.endpoints(),
            "now": iso(self.now()),
            "frozen": self.clock.frozen,
        }


def start_sandbox(
    *,
    host: str = "127.0.0.1",
    github_port: int = 0,
    pagerduty_port: int = 0,
    datadog_port: int = 0,
    slack_port: int = 0,
    clock: SandboxClock | None = None,
    scenario: ScenarioConfig | None = None,
    start: datetime | None = None,
    tokens: Tokens | None = None,
    items: Items | None = None,
) -> Sandbox:
    """Start the four servers (port 0: any free port) serving the generated scenario.

    `clock` defaults to a running clock from now; pass `SandboxClock.frozen_at(...)` for a
    world that only moves when told to. `start` is the instant history ends and the live
    stream begins (default: the clock's now). `items` serves exactly those instead of a
    scenario, as `Sandbox.load` does (`Items()`: nothing, for a test that scripts every
    reply; quicker to start than generating six months of history).
    """
    clock = clock or SandboxClock.running()
    source: GeneratedSource | StaticSource
    if items is None:
        source = GeneratedSource(scenario, start or clock.now())
    else:
        source = StaticSource(Dataset(TEAM, items))
    state = SandboxState(clock, source, tokens or Tokens())
    vendors: dict[str, tuple[Vendor, int]] = {
        "github": (GitHub(state), github_port),
        "pagerduty": (PagerDuty(state), pagerduty_port),
        "datadog": (Datadog(state), datadog_port),
        "slack": (Slack(state), slack_port),
    }
    servers: dict[str, VendorServer] = {}
    sandbox = Sandbox(state, servers)

    def hook(name: str, payload: Any) -> Any:
        if name == "info":
            return sandbox.info()
        if name == "load":
            sandbox.load_items(items_from_json(payload))
        elif name == "scenario":
            start_at = payload.pop("start", None)
            sandbox.use_scenario(
                ScenarioConfig(**payload), parse_instant(start_at) if start_at else None
            )
        return None

    hooks: dict[str, control.Hook] = {"info": hook, "load": hook, "scenario": hook}

    def control_handler(vendor: Vendor, req: Request) -> Response:
        return control.handle(vendor, req, hooks)

    try:
        for name, (vendor, port) in vendors.items():
            servers[name] = VendorServer(vendor, control_handler, host, port)
    except OSError:
        for server in servers.values():
            server.httpd.server_close()
        raise
    state.web.update({name: server.url for name, server in servers.items()})
    for server in servers.values():
        server.start()
    return sandbox
