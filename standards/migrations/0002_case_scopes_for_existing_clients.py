"""Partner clients issued before CASE existed get its scopes, as new clients do
(core.scopes.learning_app_scopes): a client granted OneRoster's roster-core.readonly may read
the frameworks and ask to upload them (standards' access rule decides who may)."""

from django.db import migrations

ONEROSTER_MARK = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly"
CASE_SCOPES = (
    "https://purl.imsglobal.org/spec/case/v1p1/scope/core.readonly",
    "https://purl.imsglobal.org/spec/case/v1p0/scope/core.readonly",
    "https://purl.imsglobal.org/spec/case/v1p1/scope/all.readonly",
    "https://purl.imsglobal.org/spec/case/v1p0/scope/all.readonly",
    "https://purl.imsglobal.org/spec/case/v1p1/scope/core.createput",
)


def _lines(text):
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def grant(apps, schema_editor):
    Client = apps.get_model("allauth_idp_oidc", "Client")
    for client in Client.objects.filter(scopes__contains=ONEROSTER_MARK):
        for name in ("scopes", "default_scopes"):
            values = _lines(getattr(client, name))
            if ONEROSTER_MARK in values:
                values += [s for s in CASE_SCOPES if s not in values]
                setattr(client, name, "\n".join(values))
        client.save(update_fields=["scopes", "default_scopes"])


class Migration(migrations.Migration):
    dependencies = [
        ("standards", "0001_case_frameworks"),
        ("allauth_idp_oidc", "0003_client_allow_uri_wildcards"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
