"""`sandbox.script(...)`: the replies a test scripts per endpoint, the one fake upstream of
the integration, sync and ticket tests."""

import pytest
import requests

from sandbox import SERVE, Reply

RUNS = "/repos/example-org/benefits-platform/actions/workflows/secrel.yml/runs"


def get_incidents(sandbox, timeout: float = 5) -> requests.Response:
    headers = {"Authorization": f"Token token={sandbox.tokens.pagerduty}"}
    return requests.get(f"{sandbox.pagerduty_url}/incidents", headers=headers, timeout=timeout)


def test_it_plays_the_replies_in_order_and_repeats_the_last(sandbox):
    sandbox.script("pagerduty.incidents", Reply(502), Reply(429, {"error": {}}))

    assert [get_incidents(sandbox).status_code for _ in range(4)] == [502, 429, 429, 429]
    assert [r.fault for r in sandbox.requests.records()] == ["scripted"] * 4


def test_serve_hands_over_to_the_sandbox_own_answer(sandbox):
    sandbox.script("pagerduty.incidents", Reply(503), SERVE)

    first, second, third = (get_incidents(sandbox) for _ in range(3))

    assert first.status_code == 503
    assert second.json()["incidents"] == [] == third.json()["incidents"]  # it holds none


def test_a_reply_can_be_made_from_the_request(sandbox):
    sandbox.script("pagerduty.incidents", lambda req: Reply(200, {"offset": req.arg("offset")}))

    headers = {"Authorization": f"Token token={sandbox.tokens.pagerduty}"}
    answer = requests.get(
        f"{sandbox.pagerduty_url}/incidents?offset=40", headers=headers, timeout=5
    )

    assert answer.json() == {"offset": "40"}


def test_a_scripted_reply_is_sent_as_written(sandbox):
    sandbox.script("github.workflow_runs", Reply(429, "slow down", content_type="text/plain"))
    headers = {"Authorization": f"token {sandbox.tokens.github}"}

    answer = requests.get(f"{sandbox.github_url}{RUNS}", headers=headers, timeout=5)

    assert (answer.status_code, answer.text) == (429, "slow down")
    assert answer.headers["Content-Type"] == "text/plain"
    assert "x-ratelimit-reset" not in answer.headers  # GitHub's budget headers are not added


def test_credentials_are_still_checked(sandbox):
    sandbox.script("github.workflow_runs", Reply(200, {"workflow_runs": []}))

    answer = requests.get(f"{sandbox.github_url}{RUNS}", timeout=5)

    assert answer.status_code == 401


def test_a_slow_reply_is_logged_when_asked_not_when_answered(sandbox):
    sandbox.script("pagerduty.incidents", Reply(200, {"incidents": []}, delay=30))

    with pytest.raises(requests.Timeout):
        get_incidents(sandbox, timeout=0.2)

    (record,) = sandbox.requests.records("pagerduty.incidents")
    assert (record.status, record.fault) == (200, "scripted")


def test_it_records_what_was_sent(sandbox):
    sandbox.script("github.create_issue", Reply(201, {}))
    headers = {"Authorization": f"token {sandbox.tokens.github}"}

    requests.post(
        f"{sandbox.github_url}/repos/o/r/issues?x=1",
        json={"title": "t"},
        headers=headers,
        timeout=5,
    )

    (record,) = sandbox.requests.records("github.create_issue")
    assert (record.json(), record.param("x"), record.param("y")) == ({"title": "t"}, "1", None)
    assert record.headers["authorization"] == headers["Authorization"]


def test_it_refuses_an_endpoint_it_does_not_have(sandbox):
    with pytest.raises(ValueError, match="unknown endpoint 'github.workflow_run'"):
        sandbox.script("github.workflow_run", Reply(500))


def test_clearing_a_script_brings_the_data_back(sandbox):
    sandbox.script("pagerduty.incidents", Reply(500))
    sandbox.clear_scripts("pagerduty.incidents")

    assert get_incidents(sandbox).status_code == 200
