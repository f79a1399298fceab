from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "releases"

    def ready(self) -> None:
        from releases import admin_deploys  # noqa: F401 - registers the deployment admin
