"""The official Caliper 1.2 fixtures through the real endpoint (issue "Done means"):
every valid event is accepted (or rejected only for naming no course or lesson), every
envelope answers 200, every broken event is rejected with a reason, and nothing is a 5xx."""

import json

import pytest

from events.models import CaliperEvent, RejectedEvent

from .conftest import envelope
from .test_caliper_fixtures import BROKEN, ENVELOPES, FIXTURES, VALID_EVENTS, _ids

pytestmark = pytest.mark.django_db
ENDPOINT = "/ims/caliper/v1p2/events"
BROKEN_EVENTS = sorted(BROKEN.glob("caliperEvent*.json"))


def post_bytes(api, body: bytes):
    return api.generic("POST", ENDPOINT, body, content_type="application/json")


@pytest.mark.parametrize("path", VALID_EVENTS, ids=_ids(VALID_EVENTS))
def test_every_valid_event_fixture_is_accepted_or_refused_only_for_naming_no_course_or_lesson(
    app_api, path
):
    response = app_api.post(ENDPOINT, envelope(json.loads(path.read_text())), format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    if body["accepted"] != 1:
        reasons = body["rejected"][0]["errors"]
        assert all("names no course" in r or "names no lesson" in r for r in reasons), reasons
    assert CaliperEvent.objects.count() == body["accepted"]


@pytest.mark.parametrize("path", ENVELOPES, ids=_ids(ENVELOPES))
def test_every_envelope_fixture_answers_200(app_api, path):
    response = post_bytes(app_api, path.read_bytes())
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["accepted"] + body["duplicates"] + len(body["rejected"]) == len(
        json.loads(path.read_text())["data"]
    )


@pytest.mark.parametrize("path", BROKEN_EVENTS, ids=_ids(BROKEN_EVENTS))
def test_every_broken_event_fixture_is_rejected_with_a_reason(app_api, path):
    text = path.read_text()
    try:
        event = json.loads(text)
    except json.JSONDecodeError:
        # Not JSON at all: as a body it is a 400, never a 5xx.
        assert post_bytes(app_api, text.encode()).status_code == 400
        return
    response = app_api.post(ENDPOINT, envelope(event), format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["accepted"] == 0
    assert body["rejected"][0]["errors"] and all(body["rejected"][0]["errors"])
    assert RejectedEvent.objects.count() == 1 and CaliperEvent.objects.count() == 0


def test_fixtures_folder_holds_the_official_fixtures():
    assert (
        FIXTURES.is_dir()
        and len(VALID_EVENTS) >= 50
        and len(BROKEN_EVENTS) >= 80
        and len(ENVELOPES) == 14
    )
