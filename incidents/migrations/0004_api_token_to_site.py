"""API tokens move to the site package (`oncall_site.ApiToken`): they authenticate any API,
not only the incidents'. The table is renamed to the new app's name and the model leaves
this app's state; `oncall_site`'s migration takes it over, so every stored token keeps
working."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0003_datadog_monitor"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name="ApiToken", table="oncall_site_apitoken"),
            ],
            state_operations=[
                migrations.DeleteModel(name="ApiToken"),
            ],
        ),
    ]
