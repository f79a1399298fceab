"""API tokens, moved here from `incidents` with their rows: `incidents` 0004 renamed the
table to this app's name, so this migration only takes the model into the state, and moves
its content type so permissions and admin history given to it are kept."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor, *, source: str, target: str) -> None:
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(
        schema_editor.connection.alias
    )
    if not content_types.filter(app_label=target, model="apitoken").exists():
        content_types.filter(app_label=source, model="apitoken").update(app_label=target)


def forwards(apps, schema_editor) -> None:
    move_content_type(apps, schema_editor, source="incidents", target="oncall_site")


def backwards(apps, schema_editor) -> None:
    move_content_type(apps, schema_editor, source="oncall_site", target="incidents")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("incidents", "0004_api_token_to_site"),
        ("oncall_site", "0004_sync_job_state"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiToken",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "name",
                            models.CharField(
                                help_text="What it is for, e.g. 'sprint review sheet'.",
                                max_length=100,
                            ),
                        ),
                        (
                            "prefix",
                            models.CharField(
                                editable=False,
                                help_text="The token's first characters, to recognize it.",
                                max_length=16,
                            ),
                        ),
                        ("digest", models.CharField(editable=False, max_length=64, unique=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "last_used_at",
                            models.DateTimeField(blank=True, editable=False, null=True),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                help_text="Requests with this token act as this user (who must stay active).",
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="api_tokens",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "API token",
                        "ordering": ["-created_at"],
                    },
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
