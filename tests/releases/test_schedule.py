"""The release train's rules on hand-made values: release day and time across DST and year
ends, the reminder's timing, the manifest and the hash checks. No database."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from releases import schedule
from releases.schedule import ManifestLine, ServiceFact, TeamAnswer
from rotations import sprints as calendar

NY = ZoneInfo("America/New_York")
TEN = time(10, 0)


def test_release_day_is_the_first_wednesday_on_or_after_the_first_day():
    assert schedule.release_day(date(2026, 3, 11)) == date(2026, 3, 11)  # a Wednesday
    assert schedule.release_day(date(2026, 3, 12)) == date(2026, 3, 18)  # Thursday: next week
    assert schedule.release_day(date(2026, 3, 9)) == date(2026, 3, 11)  # Monday
    assert schedule.release_day(date(2026, 12, 31)) == date(2027, 1, 6)  # across the year end


def test_the_release_keeps_the_captains_hour_across_the_spring_change():
    before = schedule.scheduled_release(date(2026, 3, 4), TEN, NY)  # EST
    after = schedule.scheduled_release(date(2026, 3, 11), TEN, NY)  # EDT since Mar 8
    assert before == datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
    assert after == datetime(2026, 3, 11, 14, 0, tzinfo=UTC)
    assert after.astimezone(NY).hour == before.astimezone(NY).hour == 10


def test_the_reminder_is_24_real_hours_before_even_across_a_change():
    # Release Wed Nov 4 2026 10:00 EST; clocks went back on Sun Nov 1, not in between.
    release = schedule.scheduled_release(date(2026, 11, 4), TEN, NY)
    assert schedule.reminder_at(release).astimezone(NY) == datetime(2026, 11, 3, 10, 0, tzinfo=NY)
    # When the 24 hours span the change itself (a 10:00 the day the clocks go forward),
    # the reminder is 24 real hours before: 09:00 on the day before's clock.
    sunday = schedule.local_instant(date(2026, 3, 8), TEN, NY)
    assert sunday - schedule.reminder_at(sunday) == timedelta(hours=24)
    assert schedule.reminder_at(sunday).astimezone(NY) == datetime(2026, 3, 7, 9, 0, tzinfo=NY)


def test_a_time_in_the_spring_gap_lands_an_hour_later():
    instant = schedule.local_instant(date(2026, 3, 8), time(2, 30), NY)
    assert instant.astimezone(NY).time() == time(3, 30)


def test_a_repeated_time_on_the_fall_night_is_its_first_occurrence():
    instant = schedule.local_instant(date(2026, 11, 1), time(1, 30), NY)
    assert instant == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT


RELEASE = datetime(2026, 3, 11, 14, 0, tzinfo=UTC)  # Wed 10:00 EDT
DUE = RELEASE - timedelta(hours=24)


def state(now, *, sent_at=None, moved_at=None) -> str:
    return schedule.reminder_state(
        scheduled_at=RELEASE, sent_at=sent_at, moved_at=moved_at, now=now
    ).state


def test_the_reminder_waits_then_is_due_then_late_and_never_after_the_release():
    assert state(DUE - timedelta(seconds=1)) == "waiting"
    assert state(DUE) == "due"
    assert state(DUE + schedule.LATE_AFTER) == "due"
    assert state(DUE + schedule.LATE_AFTER + timedelta(seconds=1)) == "late"
    assert state(RELEASE - timedelta(seconds=1)) == "late"
    assert state(RELEASE) == "missed"
    assert state(DUE + timedelta(hours=1), sent_at=DUE) == "sent"


def test_a_release_moved_to_under_24_hours_away_is_announced_at_once_not_late():
    moved = RELEASE - timedelta(hours=3)
    assert state(moved, moved_at=moved) == "due"
    assert state(moved + timedelta(minutes=5), moved_at=moved) == "due"
    assert state(moved + timedelta(minutes=30), moved_at=moved) == "late"
    # Moved long before: the reminder keeps its 24 h.
    assert state(DUE - timedelta(minutes=1), moved_at=DUE - timedelta(days=3)) == "waiting"


# Property: cadences starting on any weekday, any length, across DST changes and year ends.
ZONES = st.sampled_from(
    ["America/New_York", "Europe/London", "Australia/Sydney", "America/Los_Angeles", "UTC"]
)
HOURS = st.times(min_value=time(6, 0), max_value=time(20, 0)).map(
    lambda t: t.replace(second=0, microsecond=0)
)


@given(
    anchor=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    length=st.integers(min_value=7, max_value=28),
    number=st.integers(min_value=1, max_value=60),
    zone=ZONES,
    at=HOURS,
)
def test_every_release_is_a_wednesday_in_its_sprint_at_the_captains_hour(
    anchor, length, number, zone, at
):
    tz = ZoneInfo(zone)
    dates = calendar.sprint_dates(
        anchor_start=anchor, anchor_number=1, length_days=length, number=number
    )
    release = schedule.scheduled_release(dates.start, at, tz)
    local = release.astimezone(tz)
    assert local.weekday() == schedule.WEDNESDAY
    assert 0 <= (local.date() - dates.start).days < 7
    assert local.date() < dates.end  # sprints of 7 days or more hold their Wednesday
    assert local.time() == at  # no release hour falls in a DST gap (those are at night)
    assert release.tzinfo == UTC
    assert release - schedule.reminder_at(release) == timedelta(hours=24)


@given(
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    zone=ZONES,
    at=HOURS,
)
def test_consecutive_weekly_releases_are_a_week_of_wall_clock_apart(start, zone, at):
    tz = ZoneInfo(zone)
    one = schedule.scheduled_release(start, at, tz).astimezone(tz)
    two = schedule.scheduled_release(start + timedelta(days=7), at, tz).astimezone(tz)
    assert two.date() - one.date() == timedelta(days=7)
    assert two.time() == one.time() == at


@given(
    offset=st.integers(min_value=-48 * 60, max_value=48 * 60),
    moved=st.one_of(st.none(), st.integers(min_value=-72 * 60, max_value=24 * 60)),
)
def test_a_reminder_is_only_ever_postable_before_the_release(offset, moved):
    now = RELEASE + timedelta(minutes=offset)
    moved_at = None if moved is None else RELEASE - timedelta(minutes=moved)
    found = schedule.reminder_state(scheduled_at=RELEASE, sent_at=None, moved_at=moved_at, now=now)
    assert found.postable == (found.due_from <= now < RELEASE)
    assert found.due_from >= DUE


# The manifest and the answers

SERVICES = [
    ServiceFact("svc-bgs-api", "platform", True),
    ServiceFact("db-init", "platform", True),
    ServiceFact("cc-app", "cc", False),
    ServiceFact("ee-max-cfi-app", "ee", False),
    ServiceFact("ee-ep-merge-app", "ee", False),
]


def test_no_answer_sends_only_the_platform():
    assert [line.service for line in schedule.manifest(SERVICES, [])] == ["db-init", "svc-bgs-api"]


def test_opted_in_teams_add_the_services_they_gave_hashes_for():
    answers = [
        TeamAnswer("cc", False, {}),
        TeamAnswer("ee", True, {"ee-max-cfi-app": "abc1234"}),
    ]
    assert schedule.manifest(SERVICES, answers) == [
        ManifestLine("db-init", "platform", None),
        ManifestLine("ee-max-cfi-app", "ee", "abc1234"),
        ManifestLine("svc-bgs-api", "platform", None),
    ]


def test_an_opted_out_team_sends_nothing_even_with_hashes_stored():
    lines = schedule.manifest(SERVICES, [TeamAnswer("cc", False, {"cc-app": "abc1234"})])
    assert "cc-app" not in [line.service for line in lines]


def test_the_platform_goes_out_at_its_given_hash():
    lines = schedule.manifest(SERVICES, [TeamAnswer("platform", True, {"db-init": "f00dfeed"})])
    assert ManifestLine("db-init", "platform", "f00dfeed") in lines


def errors(hashes):
    return schedule.hash_errors(
        hashes,
        team_services={"cc-app"},
        known_services={s.name for s in SERVICES},
    )


def test_a_hash_is_7_to_40_hex_characters_of_a_service_of_the_team():
    assert errors({"cc-app": "abc1234"}) == []
    assert errors({"cc-app": "a" * 40}) == []
    assert "not a commit hash" in errors({"cc-app": "abc123"})[0]  # 6
    assert "not a commit hash" in errors({"cc-app": "a" * 41})[0]
    assert "not a commit hash" in errors({"cc-app": "main"})[0]
    assert "not a commit hash" in errors({"cc-app": "abc123z"})[0]
    assert "not a service we know" in errors({"cc-ap": "abc1234"})[0]
    assert "another team" in errors({"db-init": "abc1234"})[0]


def test_hash_lines_are_read_in_the_forms_people_paste():
    hashes, problems = schedule.parse_hash_lines(
        "cc-app abc1234\n\nee-max-cfi-app: ABCDEF0\nee-ep-merge-app=1234567\nlonely\ncc-app 7654321"
    )
    assert hashes == {
        "cc-app": "abc1234",
        "ee-max-cfi-app": "abcdef0",
        "ee-ep-merge-app": "1234567",
    }
    assert len(problems) == 2 and "Line 5" in problems[0] and "twice" in problems[1]
