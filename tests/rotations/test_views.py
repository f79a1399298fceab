"""The rotations page, engineer history, confirming proposals and the checklist."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from rotations import selectors
from rotations.models import ChecklistEntry, Engineer, Rotation, Sprint, team_today

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_call_member(member, demo_team):
    """`member` as the current sprint's secondary: the on-call pair confirms and ticks."""
    current = selectors.current_sprint(now=timezone.now())
    Engineer.objects.filter(pk=current.rotation.secondary_id).update(user=member)
    return member


def test_it_requires_login(client):
    for url in (reverse("dashboard"), reverse("rotations"), reverse("calendar-settings")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_it_shows_current_upcoming_and_past(client, member, demo_team):
    client.force_login(member)
    response = client.get(reverse("rotations"))
    assert response.status_code == 200
    current = selectors.current_sprint(now=timezone.now())
    body = response.content.decode()
    assert f"<strong>Sprint {current.number}</strong>" in body
    assert current.rotation.primary.name in body
    upcoming = selectors.upcoming_sprints(now=timezone.now())
    assert upcoming and upcoming[0].proposal is not None
    assert f'id="sprint-{upcoming[0].sprint.number}"' in body
    assert "Past" in body and f"{current.number - 1}</td>" in body


def test_it_answers_in_a_bounded_number_of_queries(
    client, member, demo_team, django_assert_max_num_queries
):
    client.force_login(member)
    client.get(reverse("rotations"))
    # Two of them: who is reading, to offer the confirm forms (oncall_site/permissions.py).
    with django_assert_max_num_queries(15):
        client.get(reverse("rotations"))
    # The dashboard also reads what needs you now (triggered and urgent incidents, firing
    # monitors, tickets owed, the findings' counts and the SLA policy) and its cards' figures
    # (open incidents by severity, the MTTR trend's sprints, digest and incidents), and the
    # capacity card's (this sprint's pages, the engineers, their last duty, the threshold)
    # and the fairness table's (the last six rotations, their pages).
    # And 4 for the next release's panel, one for the deploy requests waiting.
    # The findings' counts are four index-only queries (one grouped count was slower). The
    # release's captain, when its sprint has no pair stored, is the Rotations page's
    # proposal: six more (the upcoming sprints and who was on duty last).
    # The header's sprint is read once, though the kept body renders apart from the page.
    # Two for who is reading, to offer the checklist's buttons to the pair alone.
    with django_assert_max_num_queries(49):
        client.get(reverse("dashboard"))


def test_its_query_count_does_not_grow_with_history(
    client, member, demo_team, django_assert_max_num_queries
):
    from rotations import services
    from rotations.models import SprintCadence

    client.force_login(member)
    cadence = SprintCadence.objects.get()
    cadence.sprints_ahead = 30
    cadence.save()
    services.sprints_generate(cadence=cadence)
    with django_assert_max_num_queries(15):
        client.get(reverse("rotations"))


def test_it_confirms_a_proposal(client, on_call_member, demo_team):
    member = on_call_member
    client.force_login(member)
    upcoming = selectors.upcoming_sprints(now=timezone.now())[0]
    response = client.post(
        reverse("rotation-confirm", args=[upcoming.sprint.number]),
        {"primary": upcoming.primary.pk, "secondary": upcoming.secondary.pk},
        follow=True,
    )
    rotation = Rotation.objects.get(sprint=upcoming.sprint)
    assert rotation.confirmed and rotation.confirmed_by == member
    assert (rotation.primary, rotation.secondary) == (upcoming.primary, upcoming.secondary)
    assert f"Sprint {upcoming.sprint.number} confirmed" in response.content.decode()


def test_it_refuses_the_same_engineer_twice_and_stores_nothing(client, on_call_member, demo_team):
    member = on_call_member
    client.force_login(member)
    sprint = selectors.upcoming_sprints(now=timezone.now())[0].sprint
    alex = Engineer.objects.get(name="Alex Rivera")
    response = client.post(
        reverse("rotation-confirm", args=[sprint.number]),
        {"primary": alex.pk, "secondary": alex.pk},
        follow=True,
    )
    assert "must be different engineers" in response.content.decode()
    assert not Rotation.objects.filter(sprint=sprint).exists()


def test_it_refuses_an_unavailable_engineer(client, on_call_member, demo_team):
    member = on_call_member
    client.force_login(member)
    farah = Engineer.objects.get(name="Farah Haddad")
    sprint = Sprint.objects.containing(farah.unavailable_from).get()
    other = Engineer.objects.get(name="Chen Wu")
    response = client.post(
        reverse("rotation-confirm", args=[sprint.number]),
        {"primary": other.pk, "secondary": farah.pk},
        follow=True,
    )
    assert "Farah Haddad is unavailable" in response.content.decode()
    assert not Rotation.objects.filter(sprint=sprint).exists()


def test_it_changes_a_confirmed_rotation_without_losing_its_notes(
    client, on_call_member, demo_team
):
    member = on_call_member
    client.force_login(member)
    current = Sprint.objects.containing(team_today()).get()
    rotation = current.rotation
    rotation.notes = "Alex covers Friday."
    rotation.save()
    chen, eli = Engineer.objects.get(name="Chen Wu"), Engineer.objects.get(name="Eli Brooks")
    client.post(
        reverse("rotation-confirm", args=[current.number]),
        {"primary": chen.pk, "secondary": eli.pk},
    )
    rotation.refresh_from_db()
    assert (rotation.primary, rotation.secondary, rotation.notes) == (
        chen,
        eli,
        "Alex covers Friday.",
    )
    assert rotation.checklist.count() == 8


def test_it_ticks_and_unticks_a_checklist_item(client, on_call_member, demo_team):
    member = on_call_member
    client.force_login(member)
    current = Sprint.objects.containing(team_today()).get()
    url = reverse(
        "checklist-toggle", args=[current.number, "review_dependabot_prs".replace("review_", "")]
    )
    client.post(url, {"done": "1", "next": "/"})
    entry = ChecklistEntry.objects.get(rotation__sprint=current, item="dependabot_prs")
    assert entry.done and entry.done_by == member and entry.done_at is not None
    client.post(url, {"done": "0", "next": "/"})
    entry.refresh_from_db()
    assert not entry.done and entry.done_by is None
    assert (
        client.post(reverse("checklist-toggle", args=[current.number, "nope"])).status_code == 404
    )
    assert client.get(url).status_code == 405


def test_the_dashboard_offers_the_checklist_buttons_to_the_pair_only(
    client, member, django_user_model, demo_team
):
    outsider = django_user_model.objects.create_user("outsider", password="x")
    client.force_login(outsider)
    body = client.get(reverse("dashboard")).content.decode()
    assert 'class="checklist"' in body and 'aria-label="Mark' not in body
    assert "on-call pair (or staff) tick its checklist" in body
    current = selectors.current_sprint(now=timezone.now())
    Engineer.objects.filter(pk=current.rotation.secondary_id).update(user=member)
    client.force_login(member)
    body = client.get(reverse("dashboard")).content.decode()
    assert 'aria-label="Mark' in body and "tick its checklist" not in body


def test_it_shows_an_engineers_history(client, member, demo_team):
    client.force_login(member)
    alex = Engineer.objects.get(name="Alex Rivera")
    response = client.get(reverse("engineer-history", args=[alex.pk]))
    rotations = Rotation.objects.filter(primary=alex) | Rotation.objects.filter(secondary=alex)
    assert response.status_code == 200
    assert (
        response.content.decode().count("<td>primary</td>")
        + response.content.decode().count("<td>secondary</td>")
        == rotations.count()
    )


def test_it_shows_empty_states_without_data(client, member):
    client.force_login(member)
    body = client.get(reverse("rotations")).content.decode()
    assert "No sprint covers today" in body and "No engineers yet" in body
    assert "No sprint covers today" in client.get(reverse("dashboard")).content.decode()


def test_it_escapes_names(client, member, demo_team):
    client.force_login(member)
    Engineer.objects.filter(name="Eli Brooks").update(name="<script>alert(1)</script>")
    body = client.get(reverse("rotations")).content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


def test_it_shows_an_absence_that_is_over_as_available(client, member, make_engineer, at_now):
    client.force_login(member)
    make_engineer("Dee", unavailable_from=date(2026, 2, 1), unavailable_to=date(2026, 2, 10))
    make_engineer("Eve", unavailable_from=date(2026, 4, 1), unavailable_to=date(2026, 4, 10))
    body = client.get(reverse("rotations")).content.decode()

    def row(name: str) -> str:
        start = body.index(f">{name}</a>")
        return body[start : body.index("</tr>", start)]

    assert "available" in row("Dee") and "away" not in row("Dee")
    assert "away Apr 1, 2026 – Apr 10, 2026" in row("Eve")


def test_the_dashboard_and_the_rotations_page_agree_on_the_next_pair(client, member, demo_team):
    client.force_login(member)
    upcoming = selectors.upcoming_sprints(now=timezone.now())[0]
    Rotation.objects.create(
        sprint=upcoming.sprint, primary=upcoming.primary, secondary=upcoming.secondary
    )
    for page in ("dashboard", "rotations"):
        body = client.get(reverse(page)).content.decode()
        assert "stored, unconfirmed" in body, page


def test_the_dashboard_marks_you_in_the_pair(client, member, demo_team):
    client.force_login(member)
    current = selectors.current_sprint(now=timezone.now())
    Engineer.objects.filter(pk=current.rotation.secondary_id).update(user=member)
    body = client.get(reverse("dashboard")).content.decode()
    secondary = body[
        body.index("<dt>Secondary</dt>") : body.index("</dd>", body.index("<dt>Secondary</dt>"))
    ]
    primary = body[
        body.index("<dt>Primary</dt>") : body.index("</dd>", body.index("<dt>Primary</dt>"))
    ]
    assert ">you<" in secondary and ">you<" not in primary
