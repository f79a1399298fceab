"""Security side of the scenario: findings that break SecRel, code-scanning and Dependabot alerts.

A vulnerability found by Aqua or Snyk makes every SecRel run on develop fail at that scan
until it is fixed or excepted, and shows up as a code-scanning alert over the same stretch.
Beside the generated ones, `story_alerts` adds the same few every time: an alert no scanner
rated, and Dependabot alerts left open for years (scenario_story.py tells the rest).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .models import CodeScanningAlert, DependabotAlert
from .placement import grid
from .rng import Rand


@dataclass(frozen=True)
class Vulnerability:
    """A finding that breaks SecRel on develop from `start` until it is fixed or excepted."""

    start: datetime
    end: datetime
    tool: str
    step: str
    rule: str
    description: str
    severity: str
    excepted: bool  # a 30-day exception rather than a fix
    exception: str = ""  # the dismissal's comment naming the exception, when excepted
    story: bool = False  # one of the story's (scenario_story.py): nothing random near it


AQUA_TOOLS = frozenset({"Aqua", "Trivy"})  # Trivy is the scanner Aqua's gate runs
STEADY = timedelta(days=1)  # no flaky failure this close to a story streak's edges


VULN_TOOLS = (
    ("Aqua", "Aqua gate check", 0.55),
    ("Snyk Container", "Snyk scan (container images)", 0.25),
    ("Snyk Open Source", "Snyk scan (code and dependencies)", 0.20),
)
VULN_RULES = {
    "Aqua": [
        ("CVE-2024-45490", "libexpat: negative length parsing in XML_ParseBuffer"),
        ("CVE-2024-6119", "openssl: denial of service in X.509 name checks"),
        ("CVE-2023-44487", "HTTP/2 rapid reset can cause excessive work"),
        ("AVD-DS-0002", "Image user should not be 'root'"),
    ],
    "Snyk Container": [
        ("SNYK-DEBIAN12-GLIBC-5927133", "glibc: buffer overflow in ld.so"),
        ("SNYK-ALPINE319-OPENSSL-6152404", "openssl: excessive time spent checking DH keys"),
    ],
    "Snyk Open Source": [
        ("SNYK-PYTHON-REQUESTS-6928867", "requests: certificate verification stays disabled"),
        ("SNYK-JAVA-COMFASTERXMLJACKSONCORE-3038424", "jackson-databind: deeply nested arrays"),
        ("SNYK-PYTHON-JINJA2-6150717", "jinja2: cross-site scripting in xmlattr filter"),
    ],
}


# What each scanner writes in the alert's message: Trivy (Aqua) one fact a line, Snyk a
# sentence naming the package. Rules not listed (misconfigurations) name no package.
def _trivy(package: str, installed: str, fixed: str, rule: str, severity: str) -> str:
    return (
        f"Package: {package}\nInstalled Version: {installed}\nVulnerability {rule}\n"
        f"Severity: {severity.upper()}\nFixed Version: {fixed}\n"
        f"Link: [{rule}](https://avd.aquasec.com/nvd/{rule.lower()})"
    )


def _snyk(package: str, severity: str) -> str:
    return f"This file introduces a vulnerable {package} package with a {severity} severity vulnerability."


MESSAGES = {
    "CVE-2024-45490": lambda sev: _trivy(
        "libexpat", "2.5.0-1", "2.5.0-1+deb12u1", "CVE-2024-45490", sev
    ),
    "CVE-2024-6119": lambda sev: _trivy(
        "openssl", "3.0.13-1~deb12u1", "3.0.14-1~deb12u2", "CVE-2024-6119", sev
    ),
    "CVE-2023-44487": lambda sev: _trivy(
        "golang.org/x/net", "v0.15.0", "0.17.0", "CVE-2023-44487", sev
    ),
    "SNYK-DEBIAN12-GLIBC-5927133": lambda sev: _snyk("glibc", sev),
    "SNYK-ALPINE319-OPENSSL-6152404": lambda sev: _snyk("openssl", sev),
    "SNYK-PYTHON-REQUESTS-6928867": lambda sev: _snyk("requests", sev),
    "SNYK-JAVA-COMFASTERXMLJACKSONCORE-3038424": lambda sev: _snyk(
        "com.fasterxml.jackson.core:jackson-databind", sev
    ),
    "SNYK-PYTHON-JINJA2-6150717": lambda sev: _snyk("jinja2", sev),
}
TOOL_VERSIONS = {"Aqua": "2024.3", "Trivy": "0.56.2"}
IMAGES = (
    "ghcr.io/example-org/svc-bgs-api",
    "ghcr.io/example-org/svc-bip-api",
    "ghcr.io/example-org/cc-app",
)


def vulnerabilities(
    rand: Rand, count: int, span: timedelta, lo: datetime, hi: datetime
) -> list[Vulnerability]:
    out = []
    for i, at in grid(rand, "vuln", count, span, lo, hi):
        r = rand.child("vuln", i)
        tool, step = r.weighted("tool", [((t, s), w) for t, s, w in VULN_TOOLS])
        rule, description = r.pick("rule", VULN_RULES[tool])
        days = r.lognormal_minutes("days", 1.6 * 1440, 0.8) / 1440
        out.append(
            Vulnerability(
                start=at,
                end=at + timedelta(days=min(max(days, 0.3), 9)),
                tool=tool,
                step=step,
                rule=rule,
                description=description,
                severity=r.weighted("sev", [("critical", 0.3), ("high", 0.55), ("medium", 0.15)]),
                excepted=r.chance("excepted", 0.2),
            )
        )
    return out


def blocking(vulns: list[Vulnerability], at: datetime) -> Vulnerability | None:
    return next((v for v in vulns if v.start <= at < v.end), None)


def steady(vulns: list[Vulnerability], at: datetime) -> bool:
    """Near a story streak, SecRel fails for the story's reason only: a flaky scan just
    before it or just after its exception would blur where the streak begins and ends."""
    return any(v.story and v.start - STEADY <= at < v.end + STEADY for v in vulns)


def code_scanning_alerts(
    rand: Rand,
    vulns: list[Vulnerability],
    background: int,
    span: timedelta,
    lo: datetime,
    hi: datetime,
) -> list[CodeScanningAlert]:
    """One alert per blocking vulnerability, plus lower-severity ones that never block SecRel."""
    out = []
    for v in vulns:
        r = rand.child("cs", v.start.isoformat())
        out.append(
            CodeScanningAlert(
                number=0,
                tool=v.tool,
                rule_id=v.rule,
                description=v.description,
                created_at=v.start,
                security_severity=v.severity,  # type: ignore[arg-type]
                severity="error",
                path=r.pick("image", IMAGES)  # Aqua scans the built images
                if v.tool in AQUA_TOOLS
                else r.pick(
                    "path",
                    [
                        "svc-bgs-api/src/docker/Dockerfile",
                        "svc-bip-api/src/docker/Dockerfile",
                        "domain-cc/cc-app/src/requirements.txt",
                    ],
                ),
                message=MESSAGES[v.rule](v.severity) if v.rule in MESSAGES else None,
                fixed_at=None if v.excepted else v.end,
                dismissed_at=v.end if v.excepted else None,
                dismissed_reason="won't fix" if v.excepted else None,
                dismissed_comment=(v.exception or "30-day exception granted in Aqua")
                if v.excepted
                else None,
                commit_sha=r.hex("sha"),
                tool_version=TOOL_VERSIONS.get(v.tool, "1.1290.0"),  # else Snyk's CLI
            )
        )
    for i, at in grid(rand, "cs-bg", background, span, lo, hi):
        r = rand.child("cs-bg", i)
        tool = r.weighted("tool", [("Snyk Open Source", 0.45), ("CodeQL", 0.35), ("Aqua", 0.2)])
        fixed = at + timedelta(days=r.between("days", 3, 60)) if r.chance("fixed", 0.6) else None
        out.append(
            CodeScanningAlert(
                number=0,
                tool=tool,
                rule_id=f"{tool.split()[0].lower()}/rule-{r.integer('rule', 100, 999)}",
                description=r.pick(
                    "desc",
                    [
                        "Regular expression denial of service",
                        "Use of a weak hash",
                        "Information exposure through an error message",
                        "Outdated package with a low-severity advisory",
                    ],
                ),
                created_at=at,
                security_severity=r.weighted("sev", [("medium", 0.5), ("low", 0.4), (None, 0.1)]),
                severity=r.pick("level", ["warning", "note"]),
                path=r.pick(
                    "path",
                    ["svc-bip-api/src/main/java/BipClient.java", "domain-cc/cc-app/src/app.py"],
                ),
                fixed_at=fixed,
                commit_sha=r.hex("sha"),
                tool_version=None if tool == "CodeQL" else "1.0",
            )
        )
    return out


VULNERABLE = (
    (
        "pip",
        "cryptography",
        "domain-ee/ee-max-cfi-app/src/requirements.txt",
        "NULL dereference in PKCS12 parsing",
        "< 42.0.4",
        "42.0.4",
    ),
    (
        "pip",
        "urllib3",
        "domain-cc/cc-app/src/requirements.txt",
        "Proxy-Authorization header kept on redirect",
        "< 2.2.2",
        "2.2.2",
    ),
    (
        "pip",
        "jinja2",
        "domain-ee/ee-ep-merge-app/src/requirements.txt",
        "HTML attribute injection in xmlattr",
        "< 3.1.4",
        "3.1.4",
    ),
    (
        "maven",
        "com.fasterxml.jackson.core:jackson-databind",
        "svc-bgs-api/build.gradle",
        "Deeply nested arrays exhaust the stack",
        "< 2.13.4.2",
        "2.13.4.2",
    ),
    (
        "maven",
        "io.netty:netty-codec-http",
        "svc-bip-api/build.gradle",
        "Unbounded allocation in HttpPostRequestDecoder",
        "< 4.1.108",
        "4.1.108.Final",
    ),
    (
        "actions",
        "actions/download-artifact",
        ".github/workflows/secrel.yml",
        "Arbitrary file write via artifact extraction",
        "< 4.1.3",
        "4.1.3",
    ),
)


def dependabot_alerts(
    rand: Rand, count: int, span: timedelta, lo: datetime, hi: datetime
) -> list[DependabotAlert]:
    out = []
    for i, at in grid(rand, "dep-alert", count, span, lo, hi):
        r = rand.child("dep-alert", i)
        eco, package, manifest, summary, vulnerable, patched = r.pick("pkg", VULNERABLE)
        fate = r.weighted("fate", [("fixed", 0.7), ("dismissed", 0.1), ("open", 0.2)])
        later = at + timedelta(days=r.between("days", 1, 25))
        severity = r.weighted(
            "sev", [("critical", 0.1), ("high", 0.35), ("medium", 0.4), ("low", 0.15)]
        )
        out.append(
            DependabotAlert(
                number=0,
                package=package,
                ecosystem=eco,
                manifest_path=manifest,
                severity=severity,  # type: ignore[arg-type]
                summary=summary,
                created_at=at,
                vulnerable_range=vulnerable,
                patched_version=None if r.chance("no-patch", 0.05) else patched,
                ghsa_id=r.ghsa("ghsa"),
                cve_id=None
                if r.chance("no-cve", 0.15)
                else f"CVE-{at.year}-{r.integer('cve', 20000, 52000)}",
                fixed_at=later if fate == "fixed" else None,
                dismissed_at=later if fate == "dismissed" else None,
                dismissed_reason=r.pick("why", ["tolerable_risk", "not_used"])
                if fate == "dismissed"
                else None,
                scope=r.weighted("scope", [("runtime", 0.8), ("development", 0.2)]),
                cvss_score=round(
                    {"critical": 9.4, "high": 7.8, "medium": 5.9, "low": 3.1}[severity]
                    + r.between("cv", -0.4, 0.4),
                    1,
                ),
            )
        )
    return out


def story_alerts(start: datetime) -> tuple[list[CodeScanningAlert], list[DependabotAlert]]:
    """The alerts every demo shows, relative to its start: one with no severity at all (a
    Checkov rule with level "none"), and Dependabot alerts years old, two still open."""
    unrated = CodeScanningAlert(
        number=0,
        tool="Checkov",
        rule_id="CKV_DOCKER_2",
        description="Ensure that HEALTHCHECK instructions have been added to container images",
        created_at=start - timedelta(days=40, hours=3),
        security_severity=None,
        severity="none",
        path="svc-bip-api/src/docker/Dockerfile",
        commit_sha="4be1f0c2" * 5,
        tool_version="3.2.0",
    )
    old = [
        DependabotAlert(
            number=0,
            package="pyyaml",
            ecosystem="pip",
            manifest_path="domain-cc/cc-app/src/requirements.txt",
            severity="critical",
            summary="Improper input validation in PyYAML full_load",
            created_at=start - timedelta(days=3 * 365 + 17),
            vulnerable_range="< 5.4",
            patched_version="5.4",
            ghsa_id="GHSA-8q59-q68h-6hv4",
            cve_id="CVE-2020-14343",
            cvss_score=9.8,
        ),
        DependabotAlert(
            number=0,
            package="minimist",
            ecosystem="npm",
            manifest_path="svc-bgs-api/ui/package-lock.json",
            severity="medium",
            summary="Prototype pollution in minimist",
            created_at=start - timedelta(days=2 * 365 + 95),
            vulnerable_range="< 1.2.6",
            patched_version="1.2.6",
            ghsa_id="GHSA-xvch-5gv4-984h",
            cve_id="CVE-2021-44906",
            scope="development",
            cvss_score=5.6,
        ),
        DependabotAlert(
            number=0,
            package="org.apache.logging.log4j:log4j-core",
            ecosystem="maven",
            manifest_path="svc-bip-api/build.gradle",
            severity="critical",
            summary="Remote code injection in Log4j",
            created_at=start - timedelta(days=4 * 365 + 80),
            vulnerable_range="< 2.15.0",
            patched_version="2.15.0",
            ghsa_id="GHSA-jfh8-c2jp-5v3q",
            cve_id="CVE-2021-44228",
            fixed_at=start - timedelta(days=4 * 365 + 74),
            cvss_score=10.0,
        ),
    ]
    return [unrated], old
