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
                blank=True,
                help_text="Per window (GitHub: an hour).",
                null=True,
                verbose_name="request limit",
            ),
        ),
        migrations.AddField(
            model_name="syncjobstate",
            name="rate_limit_remaining",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="As the upstream's last answer said.",
                null=True,
                verbose_name="requests left",
            ),
        ),
        migrations.AddField(
            model_name="syncjobstate",
            name="rate_limit_reset_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the budget is whole again.",
                null=True,
                verbose_name="rate limit resets at",
            ),
        ),
    ]
