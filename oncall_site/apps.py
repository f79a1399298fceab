from django.apps import AppConfig


class OncallSiteConfig(AppConfig):
    name = "oncall_site"
    verbose_name = "On-call site"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save, pre_save
        from django_q.models import Task
        from django_q.signals import post_execute

        from oncall_site import data_version, redaction

        post_save.connect(data_version.model_changed, dispatch_uid="data-version-save")
        post_delete.connect(data_version.model_changed, dispatch_uid="data-version-delete")
        post_execute.connect(data_version.task_executed, dispatch_uid="data-version-task")
        pre_save.connect(
            redaction.failed_task_saved, sender=Task, dispatch_uid="redact-failed-tasks"
        )
