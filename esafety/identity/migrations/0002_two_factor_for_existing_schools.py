"""Schools there before sign-in settings existed get the default: two-factor sign-in on for
the headteacher, DSL, online safety lead and IT manager (the IT manager can switch it off,
with a reason, on the sign-in page)."""

from django.db import migrations


def two_factor_on(apps, schema_editor):
    School = apps.get_model("directory", "School")
    SchoolSignIn = apps.get_model("identity", "SchoolSignIn")
    for school in School.objects.exclude(sign_in__isnull=False):
        SchoolSignIn.objects.create(school=school, two_factor_for_leaders=True)


class Migration(migrations.Migration):
    dependencies = [("identity", "0001_initial")]

    operations = [migrations.RunPython(two_factor_on, migrations.RunPython.noop)]
