"""Learning records are read-only in the admin: what the engine wrote from events (the XP
ledger, flags, item results, mastery credits, lesson masteries, facts, rollups, the events,
results derived from events, the logger's logs) can be looked at, never added, changed or
deleted by hand. XP is corrected by a correcting ledger entry written by a service, and an
assessment result written through the gradebook API changes only through that API's
service."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse

from analytics.models import DailyActivity
from core.admin import ReadOnlyAdmin
from gradebook import services as gradebook
from gradebook.credit import EVENT_RESULT_PREFIX
from gradebook.models import AssessmentResult, XpEntry
from rostering import services
from rostering.models import User
from tests.admin_form import change_form_data

from .conftest import activity, item, time_spent

pytestmark = pytest.mark.django_db

# The learning records every school has once students learn: each must be read-only.
LEARNING_RECORDS = {
    "XpEntry",
    "XpFlag",
    "ItemResult",
    "MasteryCredit",
    "LessonMastery",
    "CaliperEvent",
    "RejectedEvent",
    "TimeSpentFact",
    "DailyActivity",
    "ContentSessionLog",
    "ContentSummaryLog",
    "MasteryLog",
    "AttemptLog",
}


@pytest.fixture
def learned(catalogue, send):
    """A student's learning, through the Caliper pipeline: an activity with questions and
    mastered units (ledger, mastery credit, lesson mastery, a result derived from the event),
    its time, an answered item, an implausible XP claim, an event for an unknown student and an
    invalid one."""
    done = activity(run="r", totalQuestions=10, correctQuestions=10, masteredUnits=1)
    done["object"]["process"] = True
    send(
        done,
        time_spent(run="r", active=600),
        item(),
        activity(lesson="lesson-2", run="r2", xpEarned=500),
        activity(student="ghost", xpEarned=1),
        {"id": "urn:uuid:00000000-0000-4000-8000-000000000bad", "type": "NoSuchEvent"},
    )


def read_only_models():
    return {
        model: model_admin
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, ReadOnlyAdmin)
    }


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_learning_record_is_registered_read_only():
    assert LEARNING_RECORDS <= {model.__name__ for model in read_only_models()}


def test_an_admin_cannot_open_the_add_page_of_a_learning_record(admin_client):
    for model in read_only_models():
        assert admin_client.get(admin_url(model, "add")).status_code == 403, model
        assert admin_client.post(admin_url(model, "add"), {}).status_code == 403, model


def test_an_admin_sees_a_learning_record_but_cannot_change_or_delete_it(admin_client, learned):
    checked = set()
    for model in read_only_models():
        row = model._base_manager.order_by("pk").first()
        if row is None:
            continue
        checked.add(model.__name__)
        before = model._base_manager.filter(pk=row.pk).values().get()
        count = model._base_manager.count()

        page = admin_client.get(admin_url(model, "change", row.pk))
        assert page.status_code == 200, model  # looking is allowed
        assert b'name="_save"' not in page.content, model
        assert admin_client.post(admin_url(model, "change", row.pk), {}).status_code == 403
        assert admin_client.get(admin_url(model, "delete", row.pk)).status_code == 403, model
        deleting = admin_client.post(admin_url(model, "delete", row.pk), {"post": "yes"})
        assert deleting.status_code == 403, model
        admin_client.post(
            admin_url(model, "changelist"),
            {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
        )

        assert model._base_manager.count() == count, model
        assert model._base_manager.filter(pk=row.pk).values().get() == before, model
    # The pipeline wrote at least these; the loop above must have met them.
    assert {
        "XpEntry",
        "XpFlag",
        "MasteryCredit",
        "LessonMastery",
        "ItemResult",
        "CaliperEvent",
        "RejectedEvent",
        "TimeSpentFact",
        "DailyActivity",
    } <= checked


# --- correcting XP: a correcting entry, through the service ---------------------------------


def day_total(entry):
    row = DailyActivity.objects.get(
        student_id=entry.student_id, course_id=entry.course_id, day=entry.occurred_on
    )
    return row.xp


def test_a_correction_is_a_new_ledger_entry_and_moves_the_days_total(learned):
    entry = XpEntry.objects.order_by("pk").first()
    total = day_total(entry)

    correction = gradebook.correct_xp(entry=entry, amount=Decimal("-5"))

    entry.refresh_from_db()
    assert correction.pk != entry.pk
    assert (correction.amount, correction.student_id, correction.occurred_on) == (
        Decimal("-5"),
        entry.student_id,
        entry.occurred_on,
    )
    assert day_total(entry) == total - 5


def student_xp(entry):
    return sum(e.amount for e in XpEntry.objects.filter(student_id=entry.student_id))


def test_a_correction_survives_a_recomputation_of_the_corrected_source(learned):
    entry = XpEntry.objects.order_by("pk").first()
    gradebook.correct_xp(entry=entry, amount=Decimal("3"))
    credited = sum(e.amount for e in XpEntry.objects.filter(source_key=entry.source_key))
    total_with_correction = student_xp(entry)

    # The engine brings the source to what it earns again (a redelivered event): nothing
    # to write for it, and the correction stays.
    gradebook.credit_xp(
        source_key=entry.source_key,
        target=credited,
        kind=entry.kind,
        student_id=entry.student_id,
        course_id=entry.course_id,
        lesson_id=entry.lesson_id,
        partner_app_id=entry.partner_app_id,
        occurred_on=entry.occurred_on,
    )

    assert student_xp(entry) == total_with_correction


def test_an_admin_correction_takes_back_at_most_what_the_app_credited(learned):
    entry = XpEntry.objects.first()
    credited = sum(
        e.amount
        for e in XpEntry.objects.filter(
            student_id=entry.student_id,
            course_id=entry.course_id,
            partner_app_id=entry.partner_app_id,
        )
    )
    with pytest.raises(ValidationError, match="takes back more than"):
        gradebook.correct_xp(entry=entry, amount=-(credited + 1))
    gradebook.correct_xp(entry=entry, amount=-credited)
    assert student_xp(entry) == 0


def test_a_zero_correction_is_refused(learned):
    entry = XpEntry.objects.first()
    with pytest.raises(ValidationError):
        gradebook.correct_xp(entry=entry, amount=Decimal(0))


def test_the_admin_action_writes_a_correcting_entry(admin_client, learned):
    entry = XpEntry.objects.order_by("pk").first()
    entries = XpEntry.objects.count()
    url = admin_url(XpEntry, "changelist")
    selected = {"action": "correct_xp", "_selected_action": [entry.pk]}

    form_page = admin_client.post(url, selected)
    assert form_page.status_code == 200
    assert b"Write the correcting entry" in form_page.content
    done = admin_client.post(url, {**selected, "apply": "1", "amount": "-2.5", "reason": "dupe"})

    assert done.status_code == 302
    assert XpEntry.objects.count() == entries + 1
    correction = XpEntry.objects.order_by("-pk").first()
    assert (correction.amount, correction.student_id) == (Decimal("-2.50"), entry.student_id)
    assert correction.source_key.startswith("correction:")
    entry.refresh_from_db()
    assert entry.amount != Decimal("-2.50")


def test_the_admin_action_refuses_an_empty_correction(admin_client, learned):
    entry = XpEntry.objects.order_by("pk").first()
    entries = XpEntry.objects.count()

    page = admin_client.post(
        admin_url(XpEntry, "changelist"),
        {"action": "correct_xp", "_selected_action": [entry.pk], "apply": "1", "amount": "0"},
    )

    assert page.status_code == 200
    assert XpEntry.objects.count() == entries


# --- assessment results -----------------------------------------------------------------------


def test_a_result_derived_from_an_event_is_read_only(admin_client, learned):
    result = AssessmentResult.objects.get(sourced_id__startswith=EVENT_RESULT_PREFIX)
    score = result.score

    assert admin_client.post(admin_url(AssessmentResult, "change", result.pk), {}).status_code == (
        403
    )
    assert admin_client.post(
        admin_url(AssessmentResult, "delete", result.pk), {"post": "yes"}
    ).status_code == (403)
    result.refresh_from_db()
    assert (result.score, result.status) == (score, "active")


@pytest.fixture
def api_result(catalogue, school, app_api):
    """An assessment result written through the gradebook API for stu-1 (enrolled in a class
    of the app's course), reporting 40 XP."""
    klass, _ = services.upsert_class(
        sourced_id="class-1", title="C", course=catalogue, school=school
    )
    services.upsert_enrollment(
        sourced_id="enr-stu-1",
        user=User.objects.get(sourced_id="stu-1"),
        klass=klass,
        role="student",
    )
    response = app_api.put_json(
        "/ims/oneroster/gradebook/v1p2/assessmentLineItems/ali-1",
        {"assessmentLineItem": {"title": "Quiz", "course": {"sourcedId": "course-1"}}},
    )
    assert response.status_code in (200, 201), response.json()
    response = app_api.put_json(
        "/ims/oneroster/gradebook/v1p2/assessmentResults/ar-1",
        {
            "assessmentResult": {
                "assessmentLineItem": {"sourcedId": "ali-1"},
                "student": {"sourcedId": "stu-1"},
                "scoreStatus": "fully graded",
                "scoreDate": "2026-03-02T10:00:00Z",
                "score": 80,
                "metadata": {"xp": 40},
            }
        },
    )
    assert response.status_code in (200, 201), response.json()
    return AssessmentResult.objects.get(sourced_id="ar-1")


def xp_of_result(sourced_id):
    return sum(e.amount for e in XpEntry.objects.filter(source_key__contains=sourced_id))


def test_changing_an_api_result_in_the_admin_goes_through_the_gradebook_service(
    admin_client, api_result
):
    assert xp_of_result("ar-1") == 40
    url = admin_url(AssessmentResult, "change", api_result.pk)

    response = admin_client.post(
        url, change_form_data(admin_client, url, metadata='{"xp": 25}', score="90")
    )

    assert response.status_code == 302, response.context["errors"]
    api_result.refresh_from_db()
    assert (api_result.score, api_result.metadata) == (Decimal(90), {"xp": 25})
    assert xp_of_result("ar-1") == 25  # what it earns followed, as through the API


def test_deleting_an_api_result_in_the_admin_withdraws_its_xp_as_the_api_does(
    admin_client, api_result
):
    response = admin_client.post(
        admin_url(AssessmentResult, "delete", api_result.pk), {"post": "yes"}
    )

    assert response.status_code == 302
    api_result.refresh_from_db()
    assert api_result.status == "tobedeleted"
    assert xp_of_result("ar-1") == 0


def test_the_admin_cannot_add_a_result_with_an_event_sourced_id(admin_client, api_result):
    url = admin_url(AssessmentResult, "change", api_result.pk)
    data = change_form_data(admin_client, url, sourced_id=f"{EVENT_RESULT_PREFIX}forged")

    response = admin_client.post(admin_url(AssessmentResult, "add"), data)

    assert response.status_code == 200
    assert not AssessmentResult.objects.filter(
        sourced_id__startswith=f"{EVENT_RESULT_PREFIX}forged"
    )
