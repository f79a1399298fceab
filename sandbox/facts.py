"""The team the sandbox pretends to be: ids shared with the demo data (`seed_demo`).

The sandbox never imports the project's models; these constants repeat the few ids the
demo database uses (PagerDuty services, schedules and users, GitHub logins) so synced data
lines up with the seeded team.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Person:
    pagerduty_id: str
    name: str
    email: str
    github_login: str
    github_id: int


@dataclass(frozen=True)
class PDService:
    id: str
    name: str
    team: str
    description: str
    weight: float  # share of the pages it gets


@dataclass(frozen=True)
class Schedule:
    id: str
    name: str
    escalation_level: int


@dataclass(frozen=True)
class Facts:
    people: tuple[Person, ...]
    services: tuple[PDService, ...]
    schedules: tuple[Schedule, ...]
    rotation: tuple[str, ...]  # PagerDuty user ids, in the order the rotation cycles
    rotation_anchor: date  # a sprint start (Wednesday), local midnight in `account_tz`
    sprint_days: int = 14
    account_tz: str = "America/New_York"
    escalation_policy_id: str = "PEPBPLT"
    escalation_policy_name: str = "Benefits Platform on-call"
    team_id: str = "PTBPLAT"
    team_name: str = "Benefits Platform"
    pd_subdomain: str = "benefits-platform"
    repository: str = "example-org/benefits-platform"
    repository_id: int = 587412963
    owner_id: int = 119283746
    default_branch: str = "develop"
    workflow_file: str = "secrel.yml"
    workflow_id: int = 48213957
    workflow_name: str = "SecRel"
    datadog_org_id: int = 321654
    priorities: tuple[tuple[str, str], ...] = field(
        default=(
            ("P1", "PPRIOP1"),
            ("P2", "PPRIOP2"),
            ("P3", "PPRIOP3"),
            ("P4", "PPRIOP4"),
            ("P5", "PPRIOP5"),
        )
    )

    @property
    def owner(self) -> str:
        return self.repository.split("/", 1)[0]

    @property
    def repo_name(self) -> str:
        return self.repository.split("/", 1)[1]

    def person(self, pagerduty_id: str | None) -> Person | None:
        return next((p for p in self.people if p.pagerduty_id == pagerduty_id), None)

    def person_by_login(self, login: str) -> Person | None:
        return next((p for p in self.people if p.github_login == login), None)

    def service(self, service_id: str) -> PDService | None:
        return next((s for s in self.services if s.id == service_id), None)

    def schedule(self, schedule_id: str) -> Schedule | None:
        return next((s for s in self.schedules if s.id == schedule_id), None)

    def priority_id(self, name: str) -> str:
        return dict(self.priorities).get(name, "PPRIO" + name)


PEOPLE = (
    Person("PARIVE1", "Alex Rivera", "alex.rivera@example.org", "arivera-dev", 71002001),
    Person("PBOKAF2", "Bea Okafor", "bea.okafor@example.org", "bokafor", 71002002),
    Person("PCHENW3", "Chen Wu", "chen.wu@example.org", "chenwu-eng", 71002003),
    Person("PDKOWA4", "Dana Kowalski", "dana.kowalski@example.org", "dkowalski", 71002004),
    Person("PELIBR5", "Eli Brooks", "eli.brooks@example.org", "ebrooks", 71002005),
    Person("PFHADD6", "Farah Haddad", "farah.haddad@example.org", "fhaddad", 71002006),
    Person("PGLIND7", "Gus Lindqvist", "gus.lindqvist@example.org", "glindqvist", 71002007),
)

SERVICES = (
    PDService(
        "PBGSAPI", "svc-bgs-api", "Benefits Platform", "Gateway to BGS (benefits records)", 0.24
    ),
    PDService(
        "PBIPAPI", "svc-bip-api", "Benefits Platform", "Gateway to BIP (claims intake)", 0.24
    ),
    PDService("PBIEKFK", "svc-bie-kafka", "Benefits Platform", "BIE Kafka event consumer", 0.14),
    PDService("PDBINIT", "db-init", "Benefits Platform", "Database migrations job", 0.06),
    PDService(
        "PCCAPP1",
        "cc-app",
        "Contention Classification",
        "Classifies contentions on new claims",
        0.14,
    ),
    PDService(
        "PEEMAXC", "ee-max-cfi-app", "Employee Experience", "Max CFI / Max Ratings API", 0.10
    ),
    PDService("PEEMERG", "ee-ep-merge-app", "Employee Experience", "End Product Merge", 0.08),
)

SCHEDULES = (
    Schedule("PSCHPRI", "Benefits Platform - Primary", 1),
    Schedule("PSCHSEC", "Benefits Platform - Secondary", 2),
)

# The order `seed_demo` ends up with: it starts with (Dana, Alex) and each proposal makes the
# secondary the next primary and picks whoever has waited longest (ties by name). Gus is
# inactive, so he never appears.
ROTATION = ("PDKOWA4", "PARIVE1", "PBOKAF2", "PCHENW3", "PELIBR5", "PFHADD6")

# Any Wednesday works as the anchor: sprints are 14 days, so only its parity week matters.
TEAM = Facts(
    people=PEOPLE,
    services=SERVICES,
    schedules=SCHEDULES,
    rotation=ROTATION,
    rotation_anchor=date(2025, 1, 1),
)

BOT_DEPENDABOT = ("dependabot[bot]", 49699333, "MDM6Qm90NDk2OTkzMzM=")
BOT_ACTIONS = ("github-actions[bot]", 41898282, "MDM6Qm90NDE4OTgyODI=")
