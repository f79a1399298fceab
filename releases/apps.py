from django.apps import AppConfig
from django.db.models.signals import post_save


class ReleasesConfig(AppConfig):
    name = "releases"

    def ready(self) -> None:
        from releases.services import on_sprint_saved
        from rotations.models import Sprint

        # Every sprint gets its release however it is created (cadence, admin, demo).
        post_save.connect(on_sprint_saved, sender=Sprint, dispatch_uid="release_per_sprint")
