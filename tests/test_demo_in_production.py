"""Demo data, and the demo superuser with its published password, never reach a production
site: the demo's commands refuse in production mode before writing anything."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from rotations.models import Engineer
from tests.test_settings import run_manage

PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "k3y-" + "x9Qa7" * 12,
    "DJANGO_ALLOWED_HOSTS": "oncall.example.org",
}


@pytest.mark.parametrize("command", ["seed_demo", "demo", "sandbox"])
def test_it_refuses_in_production_mode(db, settings, command):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="refused with DJANGO_ENV=production"):
        call_command(command, stdout=io.StringIO())
    assert not get_user_model().objects.filter(username="demo").exists()
    assert not Engineer.objects.exists()


def test_it_reads_production_mode_from_the_environment():
    result = run_manage("seed_demo", **PRODUCTION_ENV)
    assert result.returncode != 0
    assert "refused with DJANGO_ENV=production" in result.stderr


def test_it_still_loads_the_demo_in_development(db, settings):
    assert settings.PRODUCTION is False
    call_command("seed_demo", stdout=io.StringIO())
    assert get_user_model().objects.get(username="demo").is_superuser
