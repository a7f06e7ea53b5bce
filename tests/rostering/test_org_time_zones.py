"""Every org has an IANA time zone (docs/dashboards.md#days-are-the-schools-local-days): written
as OneRoster `metadata.timezone` by the API and the CSV import's metadata.timezone column, or
in the admin; the settings default otherwise. Holidays likewise (metadata.holidays)."""

import io

import pytest
from django.core.management import CommandError, call_command

from core import scopes
from rostering.models import Org

V1P2 = "/ims/oneroster/rostering/v1p2"

pytestmark = pytest.mark.django_db


@pytest.fixture
def sis(make_partner):
    return make_partner("Zones SIS", roster_source=True, scopes=scopes.all_partner_scopes())


def put_org(sis, sourced_id, **org):
    return sis.put_json(f"{V1P2}/orgs/{sourced_id}", {"org": {"type": "school", **org}})


def test_an_org_without_a_time_zone_takes_the_settings_default(sis, settings):
    settings.SCHOOL_TIME_ZONE = "Europe/Paris"
    assert put_org(sis, "s-1", name="Lycée").status_code in (200, 201)
    assert Org.objects.get(sourced_id="s-1").timezone == "Europe/Paris"


def test_put_and_post_set_the_time_zone_and_holidays_from_metadata(sis):
    metadata = {"timezone": "America/Los_Angeles", "holidays": ["2026-11-26", "2026-11-27"]}
    assert put_org(sis, "s-la", name="Bay School", metadata=metadata).status_code in (200, 201)
    org = Org.objects.get(sourced_id="s-la")
    assert (org.timezone, org.holidays) == ("America/Los_Angeles", ["2026-11-26", "2026-11-27"])

    created = sis.post_json(
        f"{V1P2}/orgs",
        {
            "org": {
                "sourcedId": "s-ny",
                "name": "NY",
                "type": "school",
                "metadata": {"timezone": "America/New_York"},
            }
        },
    )
    assert created.status_code in (200, 201), created.json()
    assert Org.objects.get(sourced_id="s-ny").timezone == "America/New_York"

    body = sis.get(f"{V1P2}/orgs/s-la").json()["org"]
    assert body["metadata"]["timezone"] == "America/Los_Angeles"
    assert body["metadata"]["holidays"] == ["2026-11-26", "2026-11-27"]


def test_an_unknown_time_zone_is_refused_with_the_field_named(sis):
    response = put_org(sis, "s-x", name="X", metadata={"timezone": "Pacific Standard Time"})
    assert response.status_code == 400
    assert "metadata.timezone" in str(response.json())
    assert "IANA" in str(response.json())
    assert not Org.objects.filter(sourced_id="s-x").exists()


def test_the_csv_import_reads_the_metadata_timezone_column(tmp_path):
    (tmp_path / "orgs.csv").write_text(
        "sourcedId,name,type,metadata.timezone,metadata.holidays\n"
        "org-la,Bay School,school,America/Los_Angeles,2026-11-26 2026-12-24\n"
        "org-bad,Nowhere,school,Mars/Olympus,\n"
    )
    with pytest.raises(CommandError) as raised:
        call_command("import_oneroster_csv", str(tmp_path), stdout=io.StringIO())
    assert "orgs.csv line 3, field metadata.timezone:" in str(raised.value)

    (tmp_path / "orgs.csv").write_text(
        "sourcedId,name,type,metadata.timezone,metadata.holidays\n"
        "org-la,Bay School,school,America/Los_Angeles,2026-11-26 2026-12-24\n"
    )
    call_command("import_oneroster_csv", str(tmp_path), stdout=io.StringIO())
    org = Org.objects.get(sourced_id="org-la")
    assert (org.timezone, org.holidays) == ("America/Los_Angeles", ["2026-11-26", "2026-12-24"])


def test_the_admin_edits_the_time_zone_and_refuses_an_unknown_one(admin_client, world):
    school = world.school
    url = f"/admin/rostering/org/{school.pk}/change/"
    form = {
        "sourced_id": school.sourced_id,
        "status": "active",
        "metadata": "{}",
        "name": school.name,
        "type": school.type,
        "identifier": "",
        "parent": school.parent_id or "",
        "timezone": "Atlantis/Lost",
        "holidays": "[]",
    }
    refused = admin_client.post(url, form)
    assert refused.status_code == 200 and "IANA time zone" in refused.content.decode()

    saved = admin_client.post(
        url, {**form, "timezone": "America/Chicago", "holidays": '["2026-12-24"]'}
    )
    assert saved.status_code == 302
    school.refresh_from_db()
    assert (school.timezone, school.holidays) == ("America/Chicago", ["2026-12-24"])
