"""The generated world: a platform team's last six months, then new events as the clock runs.

Deterministic from `ScenarioConfig.seed` and the start instant. History before the start is
spread on epoch-anchored grids at realistic rates (a page every day or so, SecRel every
weekday at 11:00 UTC plus pushes, a Dependabot PR a day). After the start a "live" stream
adds one event every `live_interval` seconds, cycling through a page, a monitor alert, a
SecRel push run and a Dependabot PR (LIVE_CYCLE), so the demo changes every minute or two.
Scheduled runs, vulnerabilities, security alerts and monitor flaps are laid out 60 days
ahead as well; the clock reveals them. Live events are generated lazily, an hour ahead of
the clock at a time, and the snapshot is rebuilt copy-on-write. Through the random history
runs the same story every time (scenario_story.py): red streaks on develop from an Aqua
finding that end with an exception, a Snyk finding fixed by a Dependabot PR, missed
scheduled runs, and a Dependabot queue with a PR in each group.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from .dataset import Dataset, Items, rotation_shifts
from .facts import TEAM, Facts
from .models import Incident, Monitor, MonitorEpisode
from .placement import Ids, grid
from .rng import Rand
from .scenario_github import PullBundle, other_run, pull_request, scheduled_runs
from .scenario_security import (
    Vulnerability,
    code_scanning_alerts,
    dependabot_alerts,
    story_alerts,
    vulnerabilities,
)
from .scenario_story import tell
from .scenario_tickets import background_issues, tickets
from .timeutil import utc

HISTORY_SPAN = timedelta(days=182)
FUTURE = timedelta(days=60)
FLAPPING_MONITOR = 10452006  # BIE Kafka consumer lag high
MUTED_MONITOR = 10452007  # db-init migration job failed
LOOKAHEAD = timedelta(hours=1)
# Live pages are handled in minutes and live PRs merged within the hour: at one event per
# 90 s, history's pace would leave a demo with dozens of open incidents and PRs by lunch.
LIVE_PACE = 0.25
LIVE_PR_PACE = 0.01
# What the live stream adds, in turn: alerts and pushes are commoner than pages and PRs.
LIVE_CYCLE = ("page", "alert", "run", "pr", "alert", "run")


@dataclass(frozen=True)
class ScenarioConfig:
    seed: int = 1
    history_days: float = 182.0
    incidents: int = 170  # PagerDuty incidents over the history
    workflow_runs: int = 560  # SecRel runs over the history, scheduled ones included
    pull_requests: int = 150
    vulnerabilities: int = 22  # SecRel-breaking findings per 182 days
    code_scanning_background: int = 30  # non-blocking code-scanning alerts per 182 days
    dependabot_alerts: int = 36  # per 182 days
    monitor_episodes: int = 320  # monitor flaps per 182 days
    live_interval: float = 90.0  # seconds between new events after the start; 0: none

    @classmethod
    def scale(cls, **changes: object) -> ScenarioConfig:
        """The benchmark's volume: 10,000 incidents (and their log entries), 2,000 runs."""
        values: dict[str, object] = {
            "incidents": 10_000,
            "workflow_runs": 2_000,
            "live_interval": 0.0,
        }
        values.update(changes)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def history(self) -> timedelta:
        return timedelta(days=self.history_days)


INCIDENT_TITLES = {
    "PBGSAPI": (
        "BGS downstream errors above 0",
        "svc-bgs-api 5xx rate above 5%",
        "BGS SOAP calls timing out",
    ),
    "PBIPAPI": (
        "BIP elevated average latency",
        "svc-bip-api: claim lookups failing with 502",
        "BIP token refresh failing",
    ),
    "PBIEKFK": ("BIE Kafka consumer lag high", "svc-bie-kafka cannot reach the BIE brokers"),
    "PDBINIT": ("db-init migration job failed", "db-init stuck waiting for a schema lock"),
    "PCCAPP1": ("Synthetic health check: cc-app API", "cc-app classification requests timing out"),
    "PEEMAXC": ("Synthetic health check: ee-max-cfi-app API", "Max CFI API returning 500s"),
    "PEEMERG": (
        "ee-ep-merge-app jobs stuck in RabbitMQ",
        "Synthetic health check: ee-ep-merge-app API",
    ),
}

# (id, name, type, query, tags, classification, metrics, weight of flaps)
MONITORS: tuple[tuple[int, str, str, str, tuple[str, ...], str, tuple[str, ...], float], ...] = (
    (
        10452001,
        "BIP elevated average latency",
        "query alert",
        "avg(last_10m):avg:vro_bip.request_duration{env:prod} > 2",
        ("team:vro", "service:svc-bip-api", "env:prod", "priority:p3"),
        "metric",
        ("vro_bip.request_duration",),
        0.18,
    ),
    (
        10452002,
        "BGS downstream errors above 0",
        "query alert",
        "sum(last_5m):sum:vro_bgs.request_errors{env:prod}.as_count() > 0",
        ("team:vro", "service:svc-bgs-api", "env:prod", "priority:p2"),
        "metric",
        ("vro_bgs.request_errors",),
        0.18,
    ),
    (
        10452003,
        "Synthetic health check: cc-app API",
        "synthetics alert",
        "",
        ("team:vro", "service:cc-app", "env:prod", "priority:p2"),
        "synthetics",
        (),
        0.1,
    ),
    (
        10452004,
        "Synthetic health check: ee-max-cfi-app API",
        "synthetics alert",
        "",
        ("team:vro", "service:ee-max-cfi-app", "env:prod", "priority:p3"),
        "synthetics",
        (),
        0.08,
    ),
    (
        10452005,
        "Synthetic health check: ee-ep-merge-app API",
        "synthetics alert",
        "",
        ("team:vro", "service:ee-ep-merge-app", "env:prod", "priority:p3"),
        "synthetics",
        (),
        0.08,
    ),
    (
        10452006,
        "BIE Kafka consumer lag high",
        "query alert",
        "avg(last_15m):max:vro_bie_kafka.consumer_lag{env:prod} > 5000",
        ("team:vro", "service:svc-bie-kafka", "env:prod", "priority:p2"),
        "metric",
        ("vro_bie_kafka.consumer_lag",),
        0.1,
    ),
    (
        10452007,
        "db-init migration job failed",
        "query alert",
        "max(last_5m):sum:kubernetes_state.job.failed{kube_job:db-init*,env:prod} > 0",
        ("team:vro", "service:db-init", "env:prod", "priority:p4"),
        "metric",
        ("kubernetes_state.job.failed",),
        0.04,
    ),
    (
        10452008,
        "RabbitMQ queue depth above 1000",
        "query alert",
        "avg(last_10m):max:rabbitmq.queue.messages{env:prod} > 1000",
        ("team:vro", "service:rabbitmq", "env:prod", "priority:p3"),
        "metric",
        ("rabbitmq.queue.messages",),
        0.08,
    ),
    (
        10452009,
        "Postgres connections above 90%",
        "query alert",
        "avg(last_5m):max:postgresql.percent_usage_connections{env:prod} > 0.9",
        ("team:vro", "service:postgres", "env:prod", "priority:p2"),
        "metric",
        ("postgresql.percent_usage_connections",),
        0.05,
    ),
    (
        10452010,
        "BIP claims API heartbeat",
        "service check",
        '"http.can_connect".over("instance:bip_claims").by("*").last(3).count_by_status()',
        ("team:vro", "service:svc-bip-api", "env:prod", "priority:p3"),
        "custom",
        (),
        0.05,
    ),
    (
        10452011,
        "VRO dev cluster CPU high",
        "query alert",
        "avg(last_15m):avg:kubernetes.cpu.usage.total{cluster:vro-nonprod} > 80",
        ("team:vro", "env:dev"),
        "metric",
        ("kubernetes.cpu.usage.total",),
        0.04,
    ),
    (
        10452012,
        "Payments checkout p99 latency",
        "query alert",
        "percentile(last_5m):p99:checkout.latency{env:prod} > 1.5",
        ("team:payments", "env:prod"),
        "metric",
        ("checkout.latency",),
        0.02,
    ),
)


def most_recent_wednesday(at: datetime, facts: Facts) -> date:
    """Sprints start on Wednesdays in the team's zone, as `seed_demo` lays them out."""
    local = at.astimezone(ZoneInfo(facts.account_tz)).date()
    return local - timedelta(days=(local.weekday() - 2) % 7)


def incident(
    rand: Rand, facts: Facts, at: datetime, hi: datetime | None = None, pace: float = 1.0
) -> Incident:
    """A page: which service, how fast it was acknowledged and resolved, and by whom.

    With `hi`, a history page may move to working hours of its day (but not past `hi`); live
    pages stay where the stream put them, or asking for later times would rewrite the past.
    `pace` scales how long acknowledging and fixing take (live pages are quicker, so a demo
    running for hours does not pile up open incidents).
    """
    service = rand.weighted("service", [(s.id, s.weight) for s in facts.services])
    if hi is not None and rand.chance("business-hours", 0.45):
        # Pages cluster in working hours (deploys, partner traffic); keep the day, move the hour.
        local = at.astimezone(ZoneInfo(facts.account_tz))
        moved = local.replace(
            hour=rand.integer("hour", 9, 16), minute=rand.integer("minute", 0, 59)
        )
        if moved < hi:
            at = utc(moved)
    urgency: Literal["high", "low"] = "high" if rand.chance("urgency", 0.62) else "low"
    priority = (
        None
        if rand.chance("no-priority", 0.35)
        else rand.weighted("priority", [("P1", 0.05), ("P2", 0.2), ("P3", 0.45), ("P4", 0.3)])
    )
    shifts = rotation_shifts(facts, at, at)
    primary = next(s.user_id for s in shifts if s.escalation_level == 1)
    secondary = next(s.user_id for s in shifts if s.escalation_level == 2)
    acked = not rand.chance("never-acked", 0.12 if urgency == "high" else 0.3)
    ack_minutes = min(
        max(rand.lognormal_minutes("ack", 4.0 if urgency == "high" else 22.0, 1.0), 0.3), 600
    )
    ack_at = at + timedelta(minutes=max(ack_minutes * pace, 0.3)) if acked else None
    fix_minutes = rand.lognormal_minutes("fix", 50.0, 1.2)
    if rand.chance("long", 0.04):
        fix_minutes = rand.between("long-days", 1, 5) * 1440
    resolved_at = (ack_at or at) + timedelta(minutes=max(fix_minutes * pace, 2.0))
    acker = primary if rand.chance("escalated", 0.85) else secondary
    if acked:
        resolver: str | None = (
            acker if rand.chance("same", 0.85) else (secondary if acker == primary else primary)
        )
    else:
        resolver = None if rand.chance("auto", 0.7) else primary
    title = rand.pick("title", INCIDENT_TITLES.get(service, ("Service degraded",)))
    return Incident(
        id="Q" + rand.token("id", 13),
        created_at=at.replace(microsecond=0),
        service_id=service,
        title=title,
        urgency=urgency,
        priority=priority,
        acknowledged_at=ack_at.replace(microsecond=0) if ack_at else None,
        acknowledged_by=acker if acked else None,
        resolved_at=resolved_at.replace(microsecond=0),
        resolved_by=resolver,
        assignee_id=primary,
        incident_key=rand.hex("key", 32),
    )


def episode(rand: Rand, at: datetime, median: float = 22.0) -> tuple[int, MonitorEpisode]:
    """A monitor leaving OK for a while; live flaps are shorter so the demo is not all red."""
    monitor = rand.weighted("monitor", [(m[0], m[7]) for m in MONITORS])
    kind = next(m[2] for m in MONITORS if m[0] == monitor)
    state = rand.weighted("state", [("Alert", 0.68), ("Warn", 0.24), ("No Data", 0.08)])
    if kind == "synthetics alert" and state == "Warn":
        state = "Alert"  # synthetic tests pass or fail
    minutes = min(max(rand.lognormal_minutes("minutes", median, 0.9), 3.0), 720.0)
    return monitor, MonitorEpisode(start=at, end=at + timedelta(minutes=minutes), state=state)  # type: ignore[arg-type]


class GeneratedSource:
    """Serves the generated scenario, extending the live stream as the clock moves on."""

    def __init__(
        self,
        config: ScenarioConfig | None = None,
        start: datetime | None = None,
        facts: Facts = TEAM,
    ) -> None:
        self.config = config or ScenarioConfig()
        self.start = utc(start or datetime.now().astimezone()).replace(microsecond=0)
        anchor = most_recent_wednesday(self.start, facts) - timedelta(days=facts.sprint_days * 12)
        self.facts = replace(facts, rotation_anchor=anchor)
        self._rand = Rand(self.config.seed)
        self._ids = Ids()
        self._lock = threading.Lock()
        self._episodes: dict[int, list[MonitorEpisode]] = {m[0]: [] for m in MONITORS}
        self._items = Items()
        self._next_event = 0
        self._next_pr = 0
        self._horizon = self.start
        lo, far = self.start - self.config.history, self.start + FUTURE
        self._story = tell(self._rand, self._ids, self.facts, self.start, lo, far)
        self._vulns = self._vulnerabilities()
        self._history()
        self._extend(self.start)

    # --- construction ----------------------------------------------------------------------

    def _vulnerabilities(self) -> list[Vulnerability]:
        """The random findings that break SecRel, kept clear of the story's, and the story's."""
        lo, hi = self.start - self.config.history, self.start + FUTURE
        vulns = vulnerabilities(self._rand, self.config.vulnerabilities, HISTORY_SPAN, lo, hi)
        vulns = [v for v in vulns if self._story.clear_of(v)] + self._story.streaks
        return sorted(vulns, key=lambda v: v.start)

    def _history(self) -> None:
        cfg, rand, facts = self.config, self._rand, self.facts
        lo, start, far = self.start - cfg.history, self.start, self.start + FUTURE
        items = self._items
        ratio = cfg.history / HISTORY_SPAN
        # One fewer on the grid: the ongoing page at the start makes up the count.
        history_pages = max(cfg.incidents - 1, 0)
        for i, at in grid(rand, "incident", history_pages, cfg.history, lo, start, exact=True):
            items.incidents.append(incident(rand.child("incident", i), facts, at, start))
        items.incidents.append(self._current_incident())
        items.issues += tickets(rand, facts, items.incidents, live=False)
        items.issues += background_issues(rand.child("issues"), lo, start)
        story = self._story
        items.workflow_runs += scheduled_runs(
            rand, self._ids, facts, lo, far, self._vulns, missed=story.missed
        )
        items.workflow_runs += story.runs
        planned = sorted(story.pulls, key=lambda p: p.at)
        for i, at in grid(rand, "pull", cfg.pull_requests, cfg.history, lo, start, exact=True):
            while planned and planned[0].at <= at:
                self._add_bundle(planned.pop(0).build)
            self._add_pull(rand.child("pull", i), at)
        for plan in planned:
            self._add_bundle(plan.build)
        derived = sum(1 for r in items.workflow_runs if r.created_at < start)
        others = max(cfg.workflow_runs - derived, 0)
        for i, at in grid(rand, "run", others, cfg.history, lo, start, exact=True):
            items.workflow_runs.append(
                other_run(rand.child("run", i), self._ids, facts, at, self._vulns)
            )
        items.code_scanning_alerts += code_scanning_alerts(
            rand, self._vulns, round(cfg.code_scanning_background * ratio), cfg.history, lo, far
        )
        items.dependabot_alerts += dependabot_alerts(
            rand, round(cfg.dependabot_alerts * ratio), cfg.history, lo, far
        )
        story_scans, story_deps = story_alerts(start)
        items.code_scanning_alerts += story_scans + story.code_scanning
        items.dependabot_alerts += story_deps + story.dependabot
        for i, at in grid(rand, "episode", cfg.monitor_episodes, HISTORY_SPAN, lo, far):
            monitor, ep = episode(rand.child("episode", i), at)
            self._episodes[monitor].append(ep)
        # The BGS alert behind the ongoing page, and maybe a latency warning and a silent synthetic.
        current = rand.child("current-monitors")
        for n, (monitor_id, state, odds) in enumerate(
            ((10452002, "Alert", 1.0), (10452001, "Warn", 0.55), (10452003, "No Data", 0.4))
        ):
            if current.chance(f"on-{n}", odds):
                began = self.start - timedelta(minutes=current.between(f"ago-{n}", 8, 60))
                ends = self.start + timedelta(minutes=current.between(f"left-{n}", 30, 240))
                self._episodes[monitor_id].append(
                    MonitorEpisode(start=began.replace(microsecond=0), end=ends, state=state)  # type: ignore[arg-type]
                )

        self._flapping_and_muted()

    def _flapping_and_muted(self) -> None:
        """What the handover names: the Kafka lag monitor flapping (5 minutes in Warn every
        15, from 2 hours before the start to 6 hours after), and the db-init job failing
        since a day before the start, muted for a week while its fix ships. Fixed, so no
        other draw moves."""
        flaps = self._episodes[FLAPPING_MONITOR]
        first = (self.start - timedelta(hours=2)).replace(second=0)
        for n in range(32):
            began = first + timedelta(minutes=15 * n)
            flaps.append(
                MonitorEpisode(start=began, end=began + timedelta(minutes=5), state="Warn")
            )
        since = self.start - timedelta(days=1)
        self._episodes[MUTED_MONITOR].append(
            MonitorEpisode(start=since, end=since + timedelta(days=7), state="Alert")
        )

    def _current_incident(self) -> Incident:
        """The page the on-call pair is working on when the sandbox starts (BGS errors, the
        monitor flapping beside it); resolved a few hours in, so the demo sees it close."""
        rand = self._rand.child("current-incident")
        began = (self.start - timedelta(minutes=rand.between("ago", 15, 70))).replace(microsecond=0)
        page = incident(rand, self.facts, began)
        acked = (
            began + timedelta(minutes=rand.between("ack", 2, 9))
            if rand.chance("acked", 0.7)
            else None
        )
        return replace(
            page,
            service_id="PBGSAPI",
            title="BGS downstream errors above 0",
            urgency="high",
            acknowledged_at=acked.replace(microsecond=0) if acked else None,
            acknowledged_by=page.assignee_id if acked else None,
            resolved_at=(self.start + timedelta(hours=rand.between("left", 1.5, 5))).replace(
                microsecond=0
            ),
            resolved_by=page.assignee_id,
        )

    def _add_pull(self, rand: Rand, at: datetime, pace: float = 1.0) -> None:
        self._add_bundle(
            lambda number: pull_request(
                rand, self._ids, self.facts, at, self._vulns, number, pace=pace
            )
        )

    def _add_bundle(self, build: Callable[[int], PullBundle]) -> None:
        self._next_pr += 1
        bundle = build(1800 + self._next_pr)
        self._items.pulls.append(bundle.pull)
        self._items.workflow_runs += bundle.runs
        self._items.check_runs += bundle.checks
        self._items.commit_statuses += bundle.statuses

    def _monitors(self) -> list[Monitor]:
        out = []
        for monitor_id, name, kind, query, tags, classification, metrics, _ in MONITORS:
            episodes = tuple(sorted(self._episodes[monitor_id], key=lambda e: e.start))
            out.append(
                Monitor(
                    id=monitor_id,
                    name=name,
                    type=kind,
                    query=query,
                    tags=tags,
                    status="OK",
                    episodes=episodes,
                    classification=classification,
                    metrics=metrics,
                    **(self._muted() if monitor_id == MUTED_MONITOR else {}),
                )
            )
        return out

    def _muted(self) -> dict[str, datetime]:
        since = self.start - timedelta(days=1)
        return {"muted_since": since, "muted_until": since + timedelta(days=7)}

    # --- the live stream -----------------------------------------------------------------

    def event_time(self, k: int) -> datetime:
        interval = self.config.live_interval
        jitter = self._rand.child("live", k).between("slot", 0.2, 0.8)
        return (self.start + timedelta(seconds=(k + jitter) * interval)).replace(microsecond=0)

    def _live(self, k: int, at: datetime) -> None:
        rand = self._rand.child("live", self.start.isoformat(), k)
        kind = LIVE_CYCLE[k % len(LIVE_CYCLE)]
        if kind == "page":
            page = incident(rand, self.facts, at, pace=LIVE_PACE)
            self._items.incidents.append(page)
            self._items.issues += tickets(self._rand, self.facts, [page], live=True)
        elif kind == "alert":
            monitor, ep = episode(rand, at, median=7.0)
            self._episodes[monitor].append(ep)
        elif kind == "run":
            self._items.workflow_runs.append(
                other_run(rand, self._ids, self.facts, at, self._vulns, kind="push")
            )
        else:
            self._add_pull(rand, at, pace=LIVE_PR_PACE)

    def _extend(self, until: datetime) -> None:
        interval = self.config.live_interval
        if interval > 0:
            while (at := self.event_time(self._next_event)) < until:
                self._live(self._next_event, at)
                self._next_event += 1
        self._horizon = until
        items = Items(
            incidents=list(self._items.incidents),
            workflow_runs=list(self._items.workflow_runs),
            pulls=list(self._items.pulls),
            check_runs=list(self._items.check_runs),
            commit_statuses=list(self._items.commit_statuses),
            code_scanning_alerts=list(self._items.code_scanning_alerts),
            dependabot_alerts=list(self._items.dependabot_alerts),
            monitors=self._monitors(),
            issues=list(self._items.issues),
        )
        self._dataset = Dataset(self.facts, items)

    def dataset(self, now: datetime) -> Dataset:
        """The snapshot valid at `now`; builds the next hour of live events when due."""
        if self.config.live_interval > 0 and now + timedelta(minutes=5) >= self._horizon:
            with self._lock:
                if now + timedelta(minutes=5) >= self._horizon:
                    self._extend(now + LOOKAHEAD)
        return self._dataset


class StaticSource:
    """Explicit data a test loaded; the same snapshot whatever the time."""

    def __init__(self, dataset: Dataset) -> None:
        self._dataset = dataset
        self.facts = dataset.facts

    def dataset(self, now: datetime) -> Dataset:
        return self._dataset
