"""Calendar feed secrets stored as their SHA-256: each existing secret is hashed, so every
address already in someone's calendar app keeps working, and the clear column is dropped."""

import hashlib

from django.db import migrations, models


def hash_secrets(apps, schema_editor) -> None:
    CalendarFeed = apps.get_model("rotations", "CalendarFeed")
    for feed in CalendarFeed.objects.all():
        feed.digest = hashlib.sha256(feed.token.encode()).hexdigest()
        feed.prefix = feed.token[:6]
        feed.save(update_fields=["digest", "prefix"])


class Migration(migrations.Migration):
    dependencies = [("rotations", "0004_release_time_and_team_group")]

    operations = [
        migrations.AddField(
            model_name="calendarfeed",
            name="digest",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="calendarfeed",
            name="prefix",
            field=models.CharField(
                default="",
                editable=False,
                help_text="The secret's first characters, to recognize it.",
                max_length=16,
            ),
            preserve_default=False,
        ),
        # Forwards only: a hash cannot be turned back into the address it came from.
        migrations.RunPython(hash_secrets, migrations.RunPython.noop),
        migrations.RemoveField(model_name="calendarfeed", name="token"),
        migrations.AlterField(
            model_name="calendarfeed",
            name="digest",
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
    ]
