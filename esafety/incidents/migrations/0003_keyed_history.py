"""Placeholder for the keyed history and REPLACE/UPSERT guards (filled in by the history work).

Kept so later incident migrations can depend on it while that work is in progress.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("incidents", "0002_append_only_guards")]
    operations = []
