"""The Dependabot queue's rules on hand-made titles and PRs; no database, the time is passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from security.dependabot import (
    ATTENTION,
    READY,
    WAITING,
    Bump,
    PRFacts,
    dependabot_figures,
    ecosystem_of,
    parse_bump,
    queue_group,
    semver_level,
    to_json,
)
from security.dependabot import age as age_of
from tests.clock import NOW

NEW_YORK = ZoneInfo("America/New_York")
HOUR = timedelta(hours=1)
quick = settings(database=None, max_examples=300)


# Titles, from real Dependabot PRs


@pytest.mark.parametrize(
    ("title", "head_ref", "expected"),
    [
        (
            "Bump requests from 2.31.0 to 2.32.3 in /app",
            "dependabot/pip/app/requests-2.32.3",
            ("pip", "requests", "2.31.0", "2.32.3", "minor", "/app"),
        ),
        (
            "Bump eclipse-temurin from 17.0.9_9-jre to 21.0.1_12-jre in /docker",
            "dependabot/docker/docker/eclipse-temurin-21.0.1_12-jre",
            ("docker", "eclipse-temurin", "17.0.9_9-jre", "21.0.1_12-jre", "unknown", "/docker"),
        ),
        (
            "Update rake requirement from ~> 12.3 to ~> 13.0",
            "dependabot/bundler/rake-tw-13.0",
            ("bundler", "rake", "~> 12.3", "~> 13.0", "major", ""),
        ),
        (
            "Bump github.com/x/y from 1.2.3 to 1.2.4",
            "dependabot/go_modules/github.com/x/y-1.2.4",
            ("go_modules", "github.com/x/y", "1.2.3", "1.2.4", "patch", ""),
        ),
        (
            "Bump lodash from 4.17.20 to 4.17.21",
            "dependabot/npm_and_yarn/lodash-4.17.21",
            ("npm_and_yarn", "lodash", "4.17.20", "4.17.21", "patch", ""),
        ),
        (
            "Bump actions/checkout from 3 to 4",
            "dependabot/github_actions/actions/checkout-4",
            ("github_actions", "actions/checkout", "3", "4", "major", ""),
        ),
        (
            "Bump org.springframework.boot:spring-boot-starter-web from 3.1.5 to 3.2.0",
            "dependabot/gradle/org.springframework.boot-spring-boot-starter-web-3.2.0",
            (
                "gradle",
                "org.springframework.boot:spring-boot-starter-web",
                "3.1.5",
                "3.2.0",
                "minor",
                "",
            ),
        ),
        (
            "Bump com.fasterxml.jackson.core:jackson-databind from 2.15.3 to 2.16.0-rc1",
            "dependabot/maven/com.fasterxml.jackson.core-jackson-databind-2.16.0-rc1",
            (
                "maven",
                "com.fasterxml.jackson.core:jackson-databind",
                "2.15.3",
                "2.16.0-rc1",
                "minor",
                "",
            ),
        ),
        (
            "Bump django from 5.0rc1 to 5.0 in /app",
            "dependabot/pip/app/django-5.0",
            ("pip", "django", "5.0rc1", "5.0", "patch", "/app"),
        ),
        (
            "Bump actions/setup-python from `0a5c615` to `82c7e63`",
            "dependabot/github_actions/actions/setup-python-82c7e63",
            ("github_actions", "actions/setup-python", "0a5c615", "82c7e63", "unknown", ""),
        ),
    ],
)
def test_it_reads_a_single_update(title, head_ref, expected):
    bump = parse_bump(title, head_ref)
    assert bump.parsed and not bump.group
    got = (bump.ecosystem, bump.package, bump.from_version, bump.to_version, bump.level)
    assert (*got, bump.directory) == expected


def test_it_reads_a_grouped_update_as_a_group():
    bump = parse_bump(
        "Bump the actions group with 3 updates", "dependabot/github_actions/actions-1"
    )
    assert bump == Bump(
        title="Bump the actions group with 3 updates",
        ecosystem="github_actions",
        group="actions",
        updates=3,
        parsed=True,
    )
    across = parse_bump("Bump the npm_and_yarn group across 2 directories with 1 update")
    assert (across.group, across.updates, across.package) == ("npm_and_yarn", 1, "")
    inside = parse_bump("Bump the python-packages group in /app with 4 updates")
    assert (inside.group, inside.directory, inside.updates) == ("python-packages", "/app", 4)


def test_a_group_of_one_names_its_package_and_versions():
    bump = parse_bump("Bump pytest from 7.4.3 to 8.0.0 in the dev-deps group in /app")
    assert (bump.package, bump.group, bump.updates, bump.directory, bump.level) == (
        "pytest",
        "dev-deps",
        1,
        "/app",
        "major",
    )


def test_it_reads_the_commit_prefix_a_repository_configures():
    for title in (
        "chore(deps): bump requests from 2.31.0 to 2.32.3",
        "build(deps-dev): Bump requests from 2.31.0 to 2.32.3",
        "[Security] Bump requests from 2.31.0 to 2.32.3",
    ):
        bump = parse_bump(title)
        assert (bump.package, bump.to_version, bump.level) == ("requests", "2.32.3", "minor")


def test_several_packages_in_one_update_are_named_without_versions():
    bump = parse_bump("Bump @babel/core, @babel/preset-env and jest in /web")
    assert (bump.package, bump.directory, bump.from_version, bump.level) == (
        "@babel/core, @babel/preset-env and jest",
        "/web",
        "",
        "unknown",
    )


@pytest.mark.parametrize(
    "title",
    ["", "Refactor the client", "Bump", "Bump requests", "Bump requests from 2.31.0", "x" * 600],
)
def test_a_title_that_does_not_parse_is_kept_as_it_is(title):
    bump = parse_bump(title, "dependabot/pip/requests")
    assert not bump.parsed and bump.title == title and bump.ecosystem == "pip"
    assert (bump.package, bump.level) == ("", "unknown")


@given(st.text(max_size=200), st.text(max_size=80))
@quick
def test_no_title_or_branch_makes_it_raise(title, head_ref):
    assert isinstance(parse_bump(title, head_ref), Bump)


@pytest.mark.parametrize(
    ("head_ref", "ecosystem"),
    [
        ("dependabot/npm_and_yarn/web/lodash-4.17.21", "npm_and_yarn"),
        ("dependabot/docker/eclipse-temurin-21", "docker"),
        ("dependabot-docker_compose-redis-7", "docker_compose"),
        ("dependabot_pip_requests-2.32.3", "pip"),
        ("dependabot/some_new_one/pkg-1", "some_new_one"),  # an ecosystem we do not know yet
        ("feature/x", ""),
        ("dependabot", ""),
        ("", ""),
    ],
)
def test_the_ecosystem_comes_from_the_head_branch(head_ref, ecosystem):
    assert ecosystem_of(head_ref) == ecosystem


def test_an_ecosystem_has_a_label_for_people():
    assert parse_bump("", "dependabot/npm_and_yarn/x").ecosystem_label == "npm"
    assert parse_bump("", "dependabot/brand_new/x").ecosystem_label == "brand_new"


# Semver level


@pytest.mark.parametrize(
    ("old", "new", "level"),
    [
        ("1.2.3", "1.2.4", "patch"),
        ("1.2.3", "1.3.0", "minor"),
        ("1.2.3", "2.0.0", "major"),
        ("v1.2.3", "v1.2.4", "patch"),
        ("0.1.0", "0.2.0", "minor"),  # positional, as Dependabot's update types are
        ("12.3", "13.0", "major"),
        ("3.19", "3.20", "minor"),
        ("3", "4", "major"),
        ("^1.2.3", "^1.3.0", "minor"),
        ("~> 12.3", "~> 13.0", "major"),
        ("1.0.0-rc.1", "1.0.0", "patch"),  # the release of its own pre-release
        ("1.0.0-alpha", "1.0.0-beta", "patch"),
        ("1.2.3", "2.0.0-beta.1", "major"),
        ("4.2.0rc1", "4.2.0", "patch"),
        ("1.2.3.4", "1.2.3.5", "patch"),  # a fourth part
        ("20-alpine", "22-alpine", "major"),
        ("5.6.15.Final", "5.6.16.Final", "patch"),
        ("17.0.9_9-jre", "21.0.1_12-jre", "unknown"),  # a docker tag, not semver
        ("`0a5c615`", "`82c7e63`", "unknown"),  # short SHAs
        ("8e5e7e5ab8b370d6c329ec480221332ada57f0ab", "1.2.3", "unknown"),
        ("12b3456", "12b3457", "unknown"),  # a SHA that reads almost like a version
        (">= 1.0, < 3.0", ">= 1.0, < 4.0", "unknown"),  # a range
        ("latest", "1.0", "unknown"),
        ("1.0", "1.0.0", "unknown"),  # the same version
        ("", "1.0", "unknown"),
    ],
)
def test_the_semver_level_is_the_most_significant_part_that_differs(old, new, level):
    assert semver_level(old, new) == level


versions = st.tuples(*[st.integers(0, 60)] * 3)
labels = st.sampled_from(["", "-rc.1", "-beta", "+build.5", "-alpine"])
dressing = st.sampled_from(["", "v", "^", "~> ", ">= ", "="])


@given(versions, versions, labels, labels, dressing, dressing)
@quick
def test_the_level_is_the_first_differing_part_whatever_the_dressing(a, b, la, lb, da, db):
    old = da + ".".join(map(str, a)) + la
    new = db + ".".join(map(str, b)) + lb
    level = semver_level(old, new)
    differing = [i for i in range(3) if a[i] != b[i]]
    if differing:
        assert level == ("major", "minor", "patch")[differing[0]]
    else:
        assert level == ("patch" if la != lb else "unknown")
    assert semver_level(new, old) == level  # a downgrade is as big as the upgrade


@given(versions, st.sampled_from(["_9-jre", "-SNAPSHOT_1", "x", " and more"]))
@quick
def test_a_version_that_is_not_semver_is_unknown(a, junk):
    version = ".".join(map(str, a))
    assert semver_level(version + junk, version) == "unknown"


# The queue


@pytest.mark.parametrize(
    ("ci_status", "mergeable", "draft", "group"),
    [
        ("success", True, False, READY),
        ("success", True, True, WAITING),  # a draft waits for a person to mark it ready
        ("success", None, False, WAITING),  # GitHub has not computed mergeability yet
        ("pending", True, False, WAITING),
        ("", True, False, WAITING),  # nothing reported yet
        ("failure", True, False, ATTENTION),
        ("failure", None, True, ATTENTION),
        ("success", False, False, ATTENTION),  # a conflict
        ("pending", False, False, ATTENTION),
    ],
)
def test_an_open_pr_is_ready_needs_attention_or_waits(ci_status, mergeable, draft, group):
    assert queue_group(ci_status=ci_status, mergeable=mergeable, draft=draft) == group


def test_age_is_counted_to_now_and_never_negative():
    assert age_of(NOW - timedelta(days=3, hours=2), NOW) == timedelta(days=3, hours=2)
    assert age_of(NOW + HOUR, NOW) == timedelta(0)  # opened "in the future": a clock ahead


def test_age_across_a_daylight_saving_change_is_real_time():
    # 2026-03-08 02:00 EST -> 03:00 EDT: from local midnight to local noon is 11 hours.
    opened = datetime(2026, 3, 8, 0, 0, tzinfo=NEW_YORK)
    now = datetime(2026, 3, 8, 12, 0, tzinfo=NEW_YORK)
    assert age_of(opened, now) == timedelta(hours=11)  # not the wall clocks' 12


# Figures of a window

SINCE = datetime(2026, 2, 25, 5, tzinfo=UTC)  # a sprint's local midnights in New York
UNTIL = datetime(2026, 3, 11, 4, tzinfo=UTC)  # (EST to EDT: 13 days 23 hours)


def pr(number, opened, *, merged=None, closed=None, ci="success", mergeable=True, **kw):
    if merged is not None and closed is None:
        closed = merged
    return PRFacts(
        number=number,
        opened_at=opened,
        closed_at=closed,
        merged_at=merged,
        ci_status=ci,
        mergeable=mergeable,
        **kw,
    )


def test_a_running_window_counts_the_queue_at_as_of_and_splits_it():
    as_of = UNTIL - HOUR
    prs = [
        pr(1, SINCE - 24 * HOUR),  # ready, opened before the window: still in the queue
        pr(2, SINCE + HOUR, ci="failure"),
        pr(3, SINCE + HOUR, ci="pending"),
        pr(4, SINCE + HOUR, mergeable=False),
        pr(5, SINCE, merged=SINCE + 10 * HOUR),
        pr(6, SINCE, merged=SINCE + 30 * HOUR),
        pr(7, SINCE, closed=SINCE + 2 * HOUR),  # closed without merging
        pr(8, as_of + HOUR),  # not opened yet at as_of
        pr(9, SINCE, merged=as_of + HOUR),  # merged after as_of: open at as_of
    ]
    figures = dependabot_figures(prs, since=SINCE, until=UNTIL, as_of=as_of)
    assert figures.open == 5  # 1, 2, 3, 4 and 9
    assert (figures.ready_to_merge, figures.failing, figures.waiting) == (2, 2, 1)
    assert figures.merged == 2 and figures.median_hours_to_merge == 20.0  # (10 + 30) / 2


def test_a_finished_window_counts_its_queue_at_its_end_and_does_not_split_it():
    prs = [pr(1, SINCE), pr(2, SINCE, merged=UNTIL + HOUR), pr(3, SINCE, merged=UNTIL - HOUR)]
    figures = dependabot_figures(prs, since=SINCE, until=UNTIL, as_of=NOW + 30 * 24 * HOUR)
    assert figures.open == 2  # 1, and 2 merged only after the window ended
    assert (figures.ready_to_merge, figures.failing, figures.waiting) == (None, None, None)
    assert figures.merged == 1


def test_a_merge_at_the_window_edges_counts_once():
    prs = [pr(1, SINCE - HOUR, merged=SINCE), pr(2, SINCE, merged=UNTIL)]
    assert dependabot_figures(prs, since=SINCE, until=UNTIL, as_of=UNTIL).merged == 1
    after = dependabot_figures(prs, since=UNTIL, until=UNTIL + HOUR, as_of=UNTIL + HOUR)
    assert after.merged == 1


def test_a_pr_closed_at_the_instant_the_queue_is_read_is_no_longer_open():
    prs = [pr(1, SINCE, closed=UNTIL), pr(2, SINCE, closed=UNTIL + timedelta(seconds=1))]
    assert dependabot_figures(prs, since=SINCE, until=UNTIL, as_of=NOW).open == 1


def test_nothing_merged_is_no_median():
    figures = dependabot_figures([pr(1, SINCE)], since=SINCE, until=UNTIL, as_of=NOW)
    assert figures.merged == 0 and figures.median_hours_to_merge is None
    assert to_json(figures)["median_hours_to_merge"] is None


def test_hours_to_merge_across_the_daylight_saving_change_are_real_hours():
    opened = datetime(2026, 3, 8, 0, 0, tzinfo=NEW_YORK)  # EST
    merged = datetime(2026, 3, 8, 12, 0, tzinfo=NEW_YORK)  # EDT: 11 hours later
    figures = dependabot_figures(
        [pr(1, opened, merged=merged)], since=SINCE, until=UNTIL, as_of=NOW
    )
    assert figures.median_hours_to_merge == 11.0


def test_a_merge_before_the_pr_opened_is_counted_but_not_measured():
    prs = [pr(1, SINCE + 5 * HOUR, merged=SINCE + HOUR), pr(2, SINCE, merged=SINCE + 3 * HOUR)]
    figures = dependabot_figures(prs, since=SINCE, until=UNTIL, as_of=NOW)
    assert figures.merged == 2 and figures.median_hours_to_merge == 3.0


def test_a_pr_closed_at_an_unknown_time_is_never_open():
    closed = PRFacts(number=1, opened_at=SINCE, closed=True)
    figures = dependabot_figures([closed], since=SINCE, until=UNTIL, as_of=NOW)
    assert figures.open == 0


def test_the_document_rounds_hours_and_keeps_nulls():
    prs = [pr(1, SINCE, merged=SINCE + timedelta(minutes=100))]
    doc = to_json(dependabot_figures(prs, since=SINCE, until=UNTIL, as_of=UNTIL + HOUR))
    assert doc == {
        "open": 0,
        "ready_to_merge": None,
        "failing": None,
        "waiting": None,
        "merged": 1,
        "median_hours_to_merge": 1.67,
    }


def test_naive_instants_and_reversed_windows_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        PRFacts(number=1, opened_at=datetime(2026, 3, 1))  # naive on purpose
    with pytest.raises(ValueError, match="before it starts"):
        dependabot_figures([], since=UNTIL, until=SINCE, as_of=NOW)
