# Stands in for the releases app's first migration until the Release models land beside it.
from django.db import migrations


class Migration(migrations.Migration):
    initial = True

    dependencies: list = []

    operations: list = []
