"""Models of the releases app (fleshed out by its own issue)."""

from releases.deploy_models import *  # noqa: F401,F403
