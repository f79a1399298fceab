"""Who owns an incident (`incidents.owners`), on hand-made values: no database."""

from __future__ import annotations

from incidents.owners import Owner, assignee_ids, assignee_list, incident_owners
from oncall_site.integrations.pagerduty import PagerDutyUser

ENGINEERS = {"PARIVE1": (7, "Alex Rivera")}


def test_it_names_the_assignees_as_the_engineers_here_else_as_pagerduty_does():
    owners = incident_owners(
        assignees=[{"id": "PARIVE1", "name": "A. Rivera"}, {"id": "PXTERN1", "name": "Sam Lee"}],
        reported_by="Priya",
        engineers=ENGINEERS,
    )
    assert owners == [
        Owner(name="Alex Rivera", pagerduty_user_id="PARIVE1", engineer_id=7),
        Owner(name="Sam Lee", pagerduty_user_id="PXTERN1", engineer_id=None),
    ]


def test_without_assignees_the_owner_is_who_reported_it_else_nobody():
    assert incident_owners(assignees=[], reported_by="Priya", engineers=ENGINEERS) == [
        Owner(name="Priya", pagerduty_user_id=None, engineer_id=None)
    ]
    assert incident_owners(assignees=[], reported_by="", engineers=ENGINEERS) == []


def test_a_malformed_stored_value_names_nobody_rather_than_failing():
    for stored in (None, "PARIVE1", [None, {"name": "no id"}, 3]):
        assert incident_owners(assignees=stored, reported_by="", engineers=ENGINEERS) == []
        assert assignee_ids(stored) == []
    entry = {"id": "PXTERN1"}
    assert incident_owners(assignees=[entry], reported_by="", engineers={})[0].name == "PXTERN1"


def test_the_stored_list_keeps_each_user_once_in_pagerdutys_order():
    users = [
        PagerDutyUser("PBOKAF2", "Bea\nOkafor"),
        PagerDutyUser("PARIVE1", "Alex Rivera"),
        PagerDutyUser("PBOKAF2", "Bea Okafor"),
        PagerDutyUser("", "nobody"),
    ]
    assert assignee_list(users) == [
        {"id": "PBOKAF2", "name": "Bea Okafor"},
        {"id": "PARIVE1", "name": "Alex Rivera"},
    ]
    assert assignee_ids(assignee_list(users)) == ["PBOKAF2", "PARIVE1"]
