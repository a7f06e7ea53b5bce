"""The rostering admin: every page renders, search and filters work, changelists do not
grow their query count with rows, and partner credentials are issued from the admin."""

import re
from datetime import date
from types import SimpleNamespace

import pytest
from allauth.idp.oidc.models import Client
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import result_headers
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rostering import partners, services
from rostering.models import (
    ComponentKind,
    Enrollment,
    Lesson,
    PartnerApp,
    PartnerClient,
    Unit,
)
from rostering.services import RoleAssignment

# Every rostering model the admin registers (read from the registry, not a list to keep in
# step): each gets the changelist, add and change page tests below.
ADMIN_MODELS = sorted(
    model._meta.model_name for model in admin.site._registry if model._meta.app_label == "rostering"
)


@pytest.fixture
def roster(db):
    """One object of every rostering model, written through the services."""
    district, _ = services.upsert_org(
        sourced_id="district-1", name="North District", type="district"
    )
    school, _ = services.upsert_org(
        sourced_id="school-1", name="Maple Elementary", type="school", parent=district
    )
    year, _ = services.upsert_academic_session(
        sourced_id="sy-2027",
        title="2026-2027",
        type="schoolYear",
        start_date=date(2026, 8, 1),
        end_date=date(2027, 7, 31),
        school_year="2027",
        org=district,
    )
    term, _ = services.upsert_academic_session(
        sourced_id="fall-2026",
        title="Fall 2026",
        type="term",
        start_date=date(2026, 8, 1),
        end_date=date(2026, 12, 31),
        school_year="2027",
        parent=year,
        org=district,
    )
    teacher, _ = services.upsert_user(
        sourced_id="teacher-1",
        username="jsmith",
        first_name="Jane",
        last_name="Smith",
        email="jane.smith@maple.example",
        primary_org=school,
        roles=[RoleAssignment(org=school, role="teacher")],
    )
    student, _ = services.upsert_user(
        sourced_id="student-1",
        username="tli",
        first_name="Tom",
        last_name="Li",
        primary_org=school,
        grades=["05"],
        roles=[RoleAssignment(org=school, role="student")],
    )
    app = partners.create_partner_app(name="Fraction Quest", sandbox=True, owner=teacher)
    client, _secret = partners.issue_client_credentials(app=app)
    course, _ = services.upsert_course(
        sourced_id="course-1", title="Fractions 5", org=school, school_year=year, partner_app=app
    )
    unit, _ = services.upsert_course_component(
        sourced_id="unit-1", kind="unit", course=course, title="Adding fractions", sort_order=1
    )
    lesson, _ = services.upsert_course_component(
        sourced_id="lesson-1",
        kind="lesson",
        course=course,
        parent=unit,
        title="Like denominators",
        sort_order=1,
    )
    resource, _ = services.upsert_resource(
        sourced_id="res-1",
        title="Fraction bars video",
        vendor_resource_id="vid-42",
        partner_app=app,
        lessons=[lesson],
    )
    klass, _ = services.upsert_class(
        sourced_id="class-1",
        title="Fractions 5 period 1",
        course=course,
        school=school,
        terms=[term],
    )
    services.upsert_enrollment(sourced_id="enr-1", user=student, klass=klass, role="student")
    services.upsert_enrollment(
        sourced_id="enr-2", user=teacher, klass=klass, role="teacher", primary=True
    )
    services.upsert_demographics(
        sourced_id="student-1", user=student, sex="male", birth_date=date(2016, 3, 1)
    )
    return SimpleNamespace(
        district=district,
        school=school,
        year=year,
        term=term,
        teacher=teacher,
        student=student,
        app=app,
        client=client,
        course=course,
        unit=unit,
        lesson=lesson,
        resource=resource,
        klass=klass,
    )


def grow(roster, n=10):
    """More rows of the big tables: students enrolled in the class, lessons with resources."""
    for i in range(n):
        student, _ = services.upsert_user(
            sourced_id=f"extra-student-{i}",
            username=f"extra{i}",
            first_name=f"Kid{i}",
            last_name="Extra",
            primary_org=roster.school,
            roles=[RoleAssignment(org=roster.school, role="student")],
        )
        services.upsert_enrollment(
            sourced_id=f"extra-enr-{i}", user=student, klass=roster.klass, role="student"
        )
        services.upsert_demographics(sourced_id=f"extra-student-{i}", user=student)
        lesson, _ = services.upsert_course_component(
            sourced_id=f"extra-lesson-{i}",
            kind="lesson",
            course=roster.course,
            parent=roster.unit,
            title=f"Extra lesson {i}",
            sort_order=i + 2,
        )
        services.upsert_resource(
            sourced_id=f"extra-res-{i}",
            title=f"Extra video {i}",
            vendor_resource_id=f"vid-{i}",
            partner_app=roster.app,
            lessons=[lesson],
        )


def changelist_url(model_name):
    return reverse(f"admin:rostering_{model_name}_changelist")


def model_of(model_name):
    return apps.get_model("rostering", model_name)


def test_every_rostering_model_has_an_admin_except_the_client_link_shown_inline():
    registered = {m for m in admin.site._registry if m._meta.app_label == "rostering"}
    all_models = set(apps.get_app_config("rostering").get_models())
    assert all_models - registered == {PartnerClient}


@pytest.mark.django_db
@pytest.mark.parametrize("model_name", ADMIN_MODELS)
def test_changelist_renders_with_its_objects_for_a_superuser(admin_client, roster, model_name):
    response = admin_client.get(changelist_url(model_name))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.django_db
@pytest.mark.parametrize("model_name", ADMIN_MODELS)
def test_add_page_renders_for_a_superuser(admin_client, roster, model_name):
    response = admin_client.get(reverse(f"admin:rostering_{model_name}_add"))

    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("model_name", ADMIN_MODELS)
def test_change_page_renders_for_a_superuser(admin_client, roster, model_name):
    obj = model_of(model_name)._default_manager.order_by("pk").first()

    response = admin_client.get(reverse(f"admin:rostering_{model_name}_change", args=[obj.pk]))

    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("model_name", ADMIN_MODELS)
def test_changelist_query_count_does_not_grow_with_rows(admin_client, roster, model_name):
    url = changelist_url(model_name)
    admin_client.get(url)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    grow(roster)
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url)

    assert response.status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model_name", "term", "expected_pk"),
    [
        ("org", "maple", lambda r: r.school.pk),
        ("org", "district-1", lambda r: r.district.pk),
        ("academicsession", "fall", lambda r: r.term.pk),
        ("user", "jane.smith@maple.example", lambda r: r.teacher.pk),
        ("user", "student-1", lambda r: r.student.pk),
        ("user", "tli", lambda r: r.student.pk),
        ("userrole", "jsmith", lambda r: r.teacher.roles.get().pk),
        ("partnerapp", "fraction", lambda r: r.app.pk),
        ("course", "course-1", lambda r: r.course.pk),
        ("unit", "adding", lambda r: r.unit.pk),
        ("lesson", "lesson-1", lambda r: r.lesson.pk),
        ("coursecomponent", "like denominators", lambda r: r.lesson.pk),
        ("resource", "vid-42", lambda r: r.resource.pk),
        ("componentresource", "fraction bars", lambda r: r.lesson.component_resources.get().pk),
        ("class", "period 1", lambda r: r.klass.pk),
        ("enrollment", "enr-1", lambda r: Enrollment.objects.get(sourced_id="enr-1").pk),
        ("demographics", "tli", lambda r: r.student.demographics.pk),
    ],
)
def test_changelist_search_finds_the_object_by_name_or_sourced_id(
    admin_client, roster, model_name, term, expected_pk
):
    response = admin_client.get(changelist_url(model_name), {"q": term})

    assert response.status_code == 200
    assert [obj.pk for obj in response.context["cl"].result_list] == [expected_pk(roster)]


@pytest.mark.django_db
def test_changelist_search_for_an_unknown_term_finds_nothing(admin_client, roster):
    response = admin_client.get(changelist_url("user"), {"q": "nobody-by-that-name"})

    assert response.context["cl"].result_count == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model_name", "params", "expected"),
    [
        ("user", {"roles__role": "teacher"}, {"jsmith"}),
        ("enrollment", {"role": "student"}, {"enr-1"}),
        ("org", {"type": "district"}, {"district-1"}),
        ("coursecomponent", {"kind": "lesson"}, {"lesson-1"}),
    ],
)
def test_changelist_filters_narrow_the_list(admin_client, roster, model_name, params, expected):
    response = admin_client.get(changelist_url(model_name), params)

    rows = response.context["cl"].result_list
    assert {getattr(o, "username", None) or o.sourced_id for o in rows} == expected


@pytest.mark.django_db
def test_issue_credentials_action_shows_a_working_secret_once(admin_client, roster):
    response = admin_client.post(
        changelist_url("partnerapp"),
        {"action": "issue_new_client_credentials", "_selected_action": [roster.app.pk]},
        follow=True,
    )

    assert response.status_code == 200
    [message] = [str(m) for m in response.context["messages"]]
    assert "will not be shown again" in message
    client_id = re.search(r"client_id=(\S+)", message).group(1)
    secret = re.search(r"client_secret=(\S+)", message).group(1)
    client = Client.objects.get(id=client_id)
    assert client.check_secret(secret)
    assert client.partner.app == roster.app
    assert roster.app.clients.count() == 2

    later = admin_client.get(reverse("admin:rostering_partnerapp_change", args=[roster.app.pk]))
    assert client_id in later.content.decode()
    assert secret not in later.content.decode()


@pytest.mark.django_db
def test_issue_credentials_action_gives_each_selected_app_its_own_client(admin_client, roster):
    other = partners.create_partner_app(name="Word Garden")

    response = admin_client.post(
        changelist_url("partnerapp"),
        {"action": "issue_new_client_credentials", "_selected_action": [roster.app.pk, other.pk]},
        follow=True,
    )

    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 2
    assert other.clients.count() == 1
    assert roster.app.clients.count() == 2


@pytest.mark.django_db
def test_partner_app_page_lists_its_client_ids_and_granted_scopes(admin_client, roster):
    response = admin_client.get(reverse("admin:rostering_partnerapp_change", args=[roster.app.pk]))

    page = response.content.decode()
    assert roster.client.id in page
    assert "https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly" in page
    assert "events.write" in page


@pytest.mark.django_db
def test_lesson_parent_autocomplete_offers_units_only(admin_client, roster):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "rostering", "model_name": "lesson", "field_name": "parent", "term": ""},
    )

    assert response.status_code == 200
    ids = {int(r["id"]) for r in response.json()["results"]}
    assert ids == {roster.unit.pk}


def component_form(obj_fields):
    return {
        "prerequisites": "[]",
        "prerequisite_criteria": "",
        "unlock_date_0": "",
        "unlock_date_1": "",
        "learning_standards": "[]",
        "status": "active",
        "metadata": "{}",
        "sort_order": "1",
        "parent": "",
        **obj_fields,
    }


def empty_formset(prefix, total=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


@pytest.mark.django_db
def test_a_lesson_added_on_its_unit_page_takes_the_units_course(admin_client, roster):
    unit, _ = services.upsert_course_component(
        sourced_id="unit-2", kind="unit", course=roster.course, title="Subtracting", sort_order=2
    )
    data = component_form(
        {
            "sourced_id": "unit-2",
            "title": "Subtracting",
            "course": roster.course.pk,
            "sort_order": "2",
        }
    )
    data |= empty_formset("children", total=1)
    data |= {
        "children-0-id": "",
        "children-0-parent": unit.pk,
        "children-0-sort_order": "1",
        "children-0-title": "Borrowing",
        "children-0-sourced_id": "lesson-borrowing",
        "children-0-learning_standards": "[]",
        "children-0-status": "active",
    }

    response = admin_client.post(reverse("admin:rostering_unit_change", args=[unit.pk]), data)

    assert response.status_code == 302, response.context["errors"]
    lesson = Lesson.objects.get(sourced_id="lesson-borrowing")
    assert (lesson.kind, lesson.course, lesson.parent_id) == (
        ComponentKind.LESSON,
        roster.course,
        unit.pk,
    )


@pytest.mark.django_db
def test_a_unit_added_in_the_admin_is_a_unit(admin_client, roster):
    data = component_form(
        {"sourced_id": "unit-new", "title": "Decimals", "course": roster.course.pk}
    )
    data |= empty_formset("children")

    response = admin_client.post(reverse("admin:rostering_unit_add"), data)

    assert response.status_code == 302, response.context["errors"]
    assert Unit.objects.get(sourced_id="unit-new").kind == ComponentKind.UNIT


@pytest.mark.django_db
def test_a_lesson_cannot_sit_under_another_lesson(admin_client, roster):
    data = component_form(
        {
            "sourced_id": "lesson-bad",
            "title": "Nested",
            "course": roster.course.pk,
            "parent": roster.lesson.pk,
        }
    )
    data |= empty_formset("component_resources")

    response = admin_client.post(reverse("admin:rostering_lesson_add"), data)

    assert response.status_code == 200
    assert "sits under a unit" in response.content.decode()
    assert not Lesson.objects.filter(sourced_id="lesson-bad").exists()


@pytest.mark.django_db
def test_an_enrollment_added_on_the_class_page_takes_the_class_school(admin_client, roster):
    other, _ = services.upsert_user(sourced_id="student-2", username="amara")
    klass = roster.klass
    data = {
        "sourced_id": klass.sourced_id,
        "title": klass.title,
        "class_code": "",
        "class_type": "scheduled",
        "location": "",
        "grades": "[]",
        "subjects": "[]",
        "subject_codes": "[]",
        "periods": "[]",
        "course": roster.course.pk,
        "school": roster.school.pk,
        "terms": [roster.term.pk],
        "status": "active",
        "metadata": "{}",
    }
    existing = list(klass.enrollments.order_by("pk"))
    data |= empty_formset("enrollments", total=len(existing) + 1)
    data["enrollments-INITIAL_FORMS"] = str(len(existing))
    for i, e in enumerate(existing):
        data |= {
            f"enrollments-{i}-id": e.pk,
            f"enrollments-{i}-klass": klass.pk,
            f"enrollments-{i}-user": e.user_id,
            f"enrollments-{i}-role": e.role,
            f"enrollments-{i}-primary": "on" if e.primary else "",
            f"enrollments-{i}-sourced_id": e.sourced_id,
            f"enrollments-{i}-status": e.status,
        }
    n = len(existing)
    data |= {
        f"enrollments-{n}-id": "",
        f"enrollments-{n}-klass": klass.pk,
        f"enrollments-{n}-user": other.pk,
        f"enrollments-{n}-role": "student",
        f"enrollments-{n}-sourced_id": "enr-amara",
        f"enrollments-{n}-status": "active",
    }

    response = admin_client.post(reverse("admin:rostering_class_change", args=[klass.pk]), data)

    assert response.status_code == 302, response.context["errors"]
    enrollment = Enrollment.objects.get(sourced_id="enr-amara")
    assert (enrollment.user, enrollment.klass, enrollment.school) == (other, klass, roster.school)


@pytest.mark.django_db
def test_an_enrollment_added_on_its_own_page_defaults_to_the_class_school(admin_client, roster):
    data = {
        "sourced_id": "enr-solo",
        "user": roster.student.pk,
        "klass": roster.klass.pk,
        "school": "",
        "role": "student",
        "begin_date": "",
        "end_date": "",
        "status": "active",
        "metadata": "{}",
    }

    response = admin_client.post(reverse("admin:rostering_enrollment_add"), data)

    assert response.status_code == 302, response.context["errors"]
    assert Enrollment.objects.get(sourced_id="enr-solo").school == roster.school


@pytest.mark.django_db
def test_partner_app_changelist_counts_courses_and_clients(admin_client, roster):
    response = admin_client.get(changelist_url("partnerapp"))

    [app] = response.context["cl"].result_list
    assert (app._courses, app._clients) == (1, 1)
    assert isinstance(app, PartnerApp)


@pytest.mark.django_db
def test_deleting_a_partner_app_in_the_admin_revokes_its_clients(admin_client):
    app = partners.create_partner_app(name="Retired App")
    client, _ = partners.issue_client_credentials(app=app)

    response = admin_client.post(
        reverse("admin:rostering_partnerapp_delete", args=[app.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not PartnerApp.objects.filter(pk=app.pk).exists()
    assert not Client.objects.filter(id=client.id).exists()


@pytest.mark.django_db
def test_bulk_deleting_partner_apps_in_the_admin_revokes_their_clients(admin_client, roster):
    apps_ = [partners.create_partner_app(name=f"Old App {i}") for i in range(2)]
    ids = [partners.issue_client_credentials(app=a)[0].id for a in apps_]

    admin_client.post(
        changelist_url("partnerapp"),
        {"action": "delete_selected", "_selected_action": [a.pk for a in apps_], "post": "yes"},
    )

    assert not Client.objects.filter(id__in=ids).exists()
    assert Client.objects.filter(id=roster.client.id).exists()


def raw_names(labels):
    """Labels that are code, not words: camelCase (`sourcedId`) or the `klass` spelling."""
    return [
        label for label in labels if re.search(r"[a-z][A-Z]", label) or "klass" in label.lower()
    ]


@pytest.mark.django_db
def test_every_admin_changelist_has_human_column_headings(admin_client, roster):
    for model in admin.site._registry:
        opts = model._meta
        response = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert response.status_code == 200, opts.label
        headers = [str(h["text"]) for h in result_headers(response.context["cl"])]
        assert not raw_names(headers), (opts.label, raw_names(headers))


@pytest.mark.django_db
@pytest.mark.parametrize("model_name", ADMIN_MODELS)
def test_admin_forms_label_fields_in_words(admin_client, roster, model_name):
    obj = model_of(model_name)._default_manager.order_by("pk").first()

    response = admin_client.get(reverse(f"admin:rostering_{model_name}_change", args=[obj.pk]))

    form = response.context["adminform"].form
    labels = [str(field.label) for field in form.fields.values()]
    assert not raw_names(labels), raw_names(labels)
