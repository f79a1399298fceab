"""The rate limit each sync job's upstream announced last (GitHub's X-RateLimit-* headers)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("oncall_site", "0005_api_token"),
    ]

    operations = [
        migrations.AddField(
            model_name="syncjobstate",
            name="rate_limit_limit",
            field=models.PositiveIntegerField(
                blank=True, help_text="Requests allowed per window (GitHub: an hour).", null=True
            ),
        ),
        migrations.AddField(
            model_name="syncjobstate",
            name="rate_limit_remaining",
            field=models.PositiveIntegerField(
                blank=True, help_text="Requests left, as the last answer said.", null=True
            ),
        ),
        migrations.AddField(
            model_name="syncjobstate",
            name="rate_limit_reset_at",
            field=models.DateTimeField(
                blank=True, help_text="When the budget is whole again.", null=True
            ),
        ),
    ]
