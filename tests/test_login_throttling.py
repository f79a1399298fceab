"""Login throttling: repeated wrong passwords lock a username from an address for a while,
and the login page says so."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.clock import NOW

LOGIN = "/accounts/login/"
PASSWORD = "pw-for-tests-only"


def attempt(client, password: str, *, username: str = "member", ip: str = "127.0.0.1"):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, follow=False
    )


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    """A real hash costs a second here; these tests check many passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_it_refuses_the_right_password_after_thirty_wrong_ones_and_says_why(
    client, member, clock, settings
):
    for _ in range(30):
        response = attempt(client, "wrong")
    assert response.status_code == 429

    response = attempt(client, PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Logging in is locked" in page
    assert f"locked for {settings.AXES_COOLOFF_TIME.seconds // 60} minutes" in page
    # The login form is still there, filled with the username, and nobody is logged in.
    assert 'name="password"' in page and 'value="member"' in page
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("dashboard")).status_code == 302


def test_it_lets_the_right_password_in_once_the_lock_has_run_out(client, member, clock, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong")
    assert attempt(client, PASSWORD).status_code == 429

    # The lock runs from the last attempt, the refused right one included.
    clock.shift(settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert attempt(client, PASSWORD).status_code == 429
    clock.shift(settings.AXES_COOLOFF_TIME + timedelta(seconds=1))
    response = attempt(client, PASSWORD)
    assert response.status_code == 302 and response.url == reverse("dashboard")


def test_it_allows_a_few_mistakes(client, member, clock, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = attempt(client, "wrong")
        assert response.status_code == 200 and "Logging in is locked" not in response.text
    assert attempt(client, PASSWORD).status_code == 302


def test_it_locks_the_username_from_that_address_only(client, member, clock, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong", ip="192.0.2.7")
    assert attempt(client, PASSWORD, ip="192.0.2.7").status_code == 429
    # The member at their usual address is not locked out by someone guessing elsewhere.
    assert attempt(client, PASSWORD, ip="127.0.0.1").status_code == 302


def test_it_locks_the_admin_login_too(client, lead, clock, settings):
    admin_login = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(admin_login, {"username": "lead", "password": "wrong"})
    response = client.post(admin_login, {"username": "lead", "password": PASSWORD})
    assert response.status_code == 429 and "Logging in is locked" in response.text
