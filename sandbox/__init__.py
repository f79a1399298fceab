"""Fake GitHub, PagerDuty, Datadog and Slack servers on loopback, for the demo and the tests.

    from sandbox import start_sandbox

    with start_sandbox() as sandbox:             # ports 0: ephemeral; see DEFAULT_PORTS
        os.environ.update(sandbox.env())         # point the site at it
        sandbox.fail("pagerduty.incidents", "rate_limit", times=2)
        sandbox.load(incidents=[Incident(id="Q1", created_at=...)])
        sandbox.script("github.pulls", Reply(502), SERVE)   # one 502, then the real list
        sandbox.requests.count("github.*")

Independent of the database and of Django: nothing here imports the project's models.
"""

from .clock import SandboxClock
from .dataset import Dataset, Items
from .facts import TEAM, Facts
from .faults import Fault, FaultBoard, RequestLog, RequestRecord
from .handle import DEFAULT_PORTS, Sandbox, start_sandbox
from .models import (
    CheckRun,
    CodeScanningAlert,
    CommitStatus,
    CreatedIssue,
    DependabotAlert,
    Incident,
    Job,
    LogEntry,
    Monitor,
    MonitorEpisode,
    OncallShift,
    PullRequest,
    SlackMessage,
    Step,
    WorkflowRun,
)
from .scenario import ScenarioConfig
from .scripts import SERVE, Reply
from .server import Tokens

__all__ = [
    "DEFAULT_PORTS",
    "TEAM",
    "CheckRun",
    "CodeScanningAlert",
    "CommitStatus",
    "CreatedIssue",
    "Dataset",
    "DependabotAlert",
    "Facts",
    "Fault",
    "FaultBoard",
    "Incident",
    "Items",
    "Job",
    "LogEntry",
    "Monitor",
    "MonitorEpisode",
    "OncallShift",
    "PullRequest",
    "RequestLog",
    "Reply",
    "RequestRecord",
    "SERVE",
    "Sandbox",
    "SandboxClock",
    "ScenarioConfig",
    "SlackMessage",
    "Step",
    "Tokens",
    "WorkflowRun",
    "start_sandbox",
]
