"""Helpers shared by the sandbox tests: raw-HTTP credentials and a hand-built edge-case world."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sandbox import (
    CheckRun,
    CodeScanningAlert,
    CommitStatus,
    DependabotAlert,
    Incident,
    Monitor,
    MonitorEpisode,
    PullRequest,
    Sandbox,
    WorkflowRun,
)

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
REPO = "/repos/example-org/benefits-platform"


def gh_headers(sandbox: Sandbox) -> dict[str, str]:
    return {"Authorization": f"token {sandbox.tokens.github}"}


def pd_headers(sandbox: Sandbox) -> dict[str, str]:
    return {"Authorization": f"Token token={sandbox.tokens.pagerduty}"}


def dd_headers(sandbox: Sandbox) -> dict[str, str]:
    return {
        "DD-API-KEY": sandbox.tokens.datadog_api_key,
        "DD-APPLICATION-KEY": sandbox.tokens.datadog_app_key,
    }


def edge_world(sandbox: Sandbox) -> None:
    """Load a small world with every nullable and variant branch the wire formats have.

    Expects the sandbox clock frozen at NOW: each item's state follows from its times.
    """
    m = timedelta(minutes=1)
    sandbox.load(
        incidents=[
            Incident(
                id="QTRIGGERED0001",
                created_at=NOW - 10 * m,
                title="BIP elevated average latency",
                service_id="PBIPAPI",
                priority=None,
            ),
            Incident(
                id="QACKED00000002",
                created_at=NOW - 60 * m,
                acknowledged_at=NOW - 55 * m,
                acknowledged_by="PBOKAF2",
                service_id="PCCAPP1",
                priority="P1",
            ),
            Incident(
                id="QRESOLVED00003",
                created_at=NOW - 300 * m,
                acknowledged_at=NOW - 290 * m,
                resolved_at=NOW - 200 * m,
                resolved_by="PDKOWA4",
                priority=None,
            ),
            Incident(
                id="QAUTORESOLVED4",
                created_at=NOW - 900 * m,
                resolved_at=NOW - 880 * m,
                urgency="low",
                priority="P3",
                service_id="PDBINIT",
            ),
            Incident(id="QFUTURE0000005", created_at=NOW + 60 * m),
        ],
        workflow_runs=[
            WorkflowRun(
                id=9001, created_at=NOW - 600 * m, completed_at=NOW - 570 * m, event="push"
            ),
            WorkflowRun(
                id=9002,
                created_at=NOW - 240 * m,
                completed_at=NOW - 220 * m,
                event="schedule",
                conclusion="failure",
                failed_step="Aqua gate check",
            ),
            WorkflowRun(
                id=9003,
                created_at=NOW - 30 * m,
                completed_at=None,
                event="workflow_dispatch",
                publish_images=False,
            ),
            WorkflowRun(
                id=9004,
                created_at=NOW - 120 * m,
                completed_at=NOW - 110 * m,
                event="pull_request",
                head_branch="dependabot/pip/requests-2.32.4",
                head_sha="a" * 40,
                conclusion="cancelled",
                pull_request_numbers=(1901,),
                actor="dependabot[bot]",
            ),
            WorkflowRun(id=9005, created_at=NOW - 2 * m, completed_at=NOW + 20 * m, event="push"),
        ],
        pulls=[
            PullRequest(
                number=1901,
                title="Bump requests from 2.32.3 to 2.32.4",
                head_ref="dependabot/pip/requests-2.32.4",
                head_sha="a" * 40,
                created_at=NOW - 121 * m,
                labels=("dependencies", "python"),
            ),
            PullRequest(
                number=1902,
                title="Bump actions/checkout from 4.1.1 to 4.1.2",
                head_ref="dependabot/github_actions/actions/checkout-4.1.2",
                head_sha="b" * 40,
                created_at=NOW - 3000 * m,
                closed_at=NOW - 2000 * m,
                merged_at=NOW - 2000 * m,
            ),
            PullRequest(
                number=1903,
                title="Bump pika from 1.3.1 to 1.3.2",
                head_ref="dependabot/pip/pika-1.3.2",
                head_sha="c" * 40,
                created_at=NOW - 5000 * m,
                closed_at=NOW - 4000 * m,
                draft=True,
            ),
            PullRequest(
                number=1904,
                title="Add retry to BIP client",
                head_ref="feature/bip-retry",
                head_sha="d" * 40,
                author="arivera-dev",
                created_at=NOW - 50 * m,
                labels=(),
                body=None,
            ),
        ],
        check_runs=[
            CheckRun(
                id=501,
                head_sha="a" * 40,
                name="Unit tests",
                started_at=NOW - 119 * m,
                completed_at=NOW - 110 * m,
                conclusion="failure",
            ),
            CheckRun(
                id=502,
                head_sha="a" * 40,
                name="SecRel Pipeline",
                started_at=NOW - 5 * m,
                completed_at=None,
                conclusion=None,
            ),
        ],
        commit_statuses=[
            CommitStatus(
                id=601,
                sha="a" * 40,
                context="continuous-integration/jenkins",
                state="pending",
                created_at=NOW - 100 * m,
                description=None,
            ),
            CommitStatus(
                id=602,
                sha="b" * 40,
                context="codecov/patch",
                state="success",
                created_at=NOW - 2900 * m,
                description="Coverage not affected",
                target_url="https://codecov.example/b",
            ),
        ],
        code_scanning_alerts=[
            CodeScanningAlert(
                number=1,
                tool="Aqua",
                rule_id="CVE-2024-45490",
                description="libexpat overflow",
                created_at=NOW - 2000 * m,
                security_severity="critical",
            ),
            CodeScanningAlert(
                number=2,
                tool="Snyk Open Source",
                rule_id="SNYK-PYTHON-REQUESTS-1",
                description="requests leaks",
                created_at=NOW - 3000 * m,
                fixed_at=NOW - 100 * m,
                security_severity="high",
            ),
            CodeScanningAlert(
                number=3,
                tool="Aqua",
                rule_id="AVD-DS-0002",
                description="root user",
                created_at=NOW - 4000 * m,
                dismissed_at=NOW - 3500 * m,
                dismissed_reason="won't fix",
                dismissed_comment="30-day exception granted",
                security_severity="medium",
            ),
            CodeScanningAlert(
                number=4,
                tool="CodeQL",
                rule_id="py/weak-hash",
                description="weak hash",
                created_at=NOW - 50 * m,
                security_severity=None,
                severity="warning",
                tool_version=None,
            ),
        ],
        dependabot_alerts=[
            DependabotAlert(
                number=1,
                package="cryptography",
                ecosystem="pip",
                manifest_path="app/requirements.txt",
                severity="high",
                summary="NULL dereference",
                created_at=NOW - 900 * m,
                cve_id=None,
            ),
            DependabotAlert(
                number=2,
                package="urllib3",
                ecosystem="pip",
                manifest_path="app/requirements.txt",
                severity="medium",
                summary="header kept",
                created_at=NOW - 5000 * m,
                fixed_at=NOW - 4000 * m,
                cve_id="CVE-2024-37891",
            ),
            DependabotAlert(
                number=3,
                package="io.netty:netty-codec-http",
                ecosystem="maven",
                manifest_path="svc-bip-api/build.gradle",
                severity="critical",
                summary="unbounded",
                created_at=NOW - 8000 * m,
                dismissed_at=NOW - 7000 * m,
                dismissed_reason="tolerable_risk",
                dismissed_comment="not reachable",
                patched_version=None,
                scope=None,
            ),
        ],
        monitors=[
            Monitor(
                id=1,
                name="BIP elevated average latency",
                query="avg(last_10m):avg:vro_bip.request_duration{*} > 2",
                episodes=(MonitorEpisode(start=NOW - 20 * m, end=NOW + 20 * m, state="Alert"),),
            ),
            Monitor(
                id=2, name="BGS downstream errors above 0", status="OK", last_triggered_at=None
            ),
            Monitor(
                id=3,
                name="Synthetic health check: cc-app API",
                type="synthetics alert",
                status="No Data",
                classification="synthetics",
                last_triggered_at=NOW - 3000 * m,
            ),
            Monitor(
                id=4,
                name="Payments checkout p99 latency",
                tags=("team:payments",),
                status="Warn",
                last_triggered_at=NOW - 10 * m,
            ),
        ],
    )
