"""Every installation has the `partner-sandbox` org, where sandbox apps scaffold test data."""

from django.db import migrations
from django.utils import timezone


def create_sandbox_org(apps, schema_editor):
    Org = apps.get_model("rostering", "Org")
    Org.objects.get_or_create(
        sourced_id="partner-sandbox",
        defaults={
            "name": "Partner Sandbox",
            "type": "school",
            "identifier": "partner-sandbox",
            "date_last_modified": timezone.now(),
            "metadata": {"purpose": "Test users and classes of sandbox partner apps"},
        },
    )


class Migration(migrations.Migration):
    dependencies = [("rostering", "0002_partner_client")]
    operations = [migrations.RunPython(create_sandbox_org, migrations.RunPython.noop)]
