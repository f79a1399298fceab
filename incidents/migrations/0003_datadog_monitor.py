"""`Alert` was a Datadog monitor (alerting or not): the model says so now. The table is
renamed in place, so no row is lost."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0002_tickets_and_api_tokens"),
    ]

    operations = [
        migrations.RenameModel(old_name="Alert", new_name="DatadogMonitor"),
        migrations.AlterField(
            model_name="datadogmonitor",
            name="incident",
            field=models.ForeignKey(
                blank=True,
                help_text="The incident declared from it (from the alerts page), if any.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="datadog_monitors",
                to="incidents.incident",
            ),
        ),
    ]
