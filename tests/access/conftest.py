"""A small school where every role of SPEC §5 has someone, reusable by any access test.

    district ─ school "sch"
    Partner A owns course-a → class-a (guide-a teaches; stu learns; stu's guardian: guard)
    Partner B owns course-b → class-b (guide-b teaches; stu2 learns)
    org-admin administers the district (so the school below it)

`world.clients[role]` is a client acting as that role: browser roles are signed in with a
session; partner roles carry their app's real bearer token *and* a session of the app's
developer (so one client exercises both the APIs and the developer pages).
"""

from dataclasses import dataclass, field
from datetime import date

import pytest
from django.test import Client
from rest_framework.test import APIClient

from rostering import partners, services
from rostering.models import (
    AcademicSession,
    Class,
    ComponentResource,
    Course,
    CourseComponent,
    Demographics,
    Enrollment,
    Org,
    Resource,
    User,
    UserRole,
)

PASSWORD = "correct horse battery staple"
REDIRECT_URI_A = "https://a.example/callback"
PEOPLE = (
    "student",
    "other_student",
    "guardian",
    "guide",
    "other_guide",
    "org_admin",
)
PARTNERS = ("partner_a", "partner_b")
ROLES = ("anonymous", *PEOPLE, *PARTNERS)


@dataclass
class World:
    users: dict[str, User] = field(default_factory=dict)
    apps: dict = field(default_factory=dict)
    oidc_clients: dict = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)
    classes: dict = field(default_factory=dict)


def person(username, role, org, *, email="", **extra):
    user = User.objects.create_user(
        username=username, sourced_id=username, password=PASSWORD, email=email, **extra
    )
    UserRole.objects.create(user=user, org=org, role=role)
    return user


def enrol(user, klass, role):
    return Enrollment.objects.create(
        sourced_id=f"{klass.sourced_id}:{user.username}",
        user=user,
        klass=klass,
        school=klass.school,
        role=role,
    )


def catalogue(app, key, school):
    course = Course.objects.create(sourced_id=f"course-{key}", title=f"Course {key}", org=school)
    course.partner_app = app
    course.save()
    unit = CourseComponent.objects.create(
        sourced_id=f"unit-{key}", kind="unit", course=course, title="Unit"
    )
    lesson = CourseComponent.objects.create(
        sourced_id=f"lesson-{key}", kind="lesson", course=course, parent=unit, title="Lesson"
    )
    resource = Resource.objects.create(
        sourced_id=f"resource-{key}", title="Video", vendor_resource_id=key, partner_app=app
    )
    ComponentResource.objects.create(
        sourced_id=f"cr-{key}", course_component=lesson, resource=resource
    )
    return Class.objects.create(
        sourced_id=f"class-{key}", title=f"Class {key}", course=course, school=school
    )


@pytest.fixture
def world(db, make_partner) -> World:
    w = World()
    district = Org.objects.create(sourced_id="district", name="District", type="district")
    school = Org.objects.create(sourced_id="sch", name="School", type="school", parent=district)

    for key, role in (("a", "partner_a"), ("b", "partner_b")):
        api = make_partner(f"Partner {key.upper()}")
        developer = User.objects.create_user(username=f"dev-{key}", password=PASSWORD)
        api.app.owners.add(developer)
        # A plain client (no JSON default, which allauth would take for AJAX) with the
        # app's token and its developer's session.
        both = APIClient()
        both.credentials(**api._credentials)
        both.force_login(developer)
        w.apps[role] = api.app
        w.clients[role] = both
        catalogue(api.app, key, school)
        w.oidc_clients[role] = api.app.clients.get().client

    class_a, class_b = (
        Class.objects.get(sourced_id="class-a"),
        Class.objects.get(sourced_id="class-b"),
    )
    term = AcademicSession.objects.create(
        sourced_id="term-1",
        title="Fall",
        type="term",
        school_year="2027",
        org=school,
        start_date=date(2026, 9, 1),
        end_date=date(2027, 1, 31),
    )
    AcademicSession.objects.create(
        sourced_id="gp-1",
        title="Q1",
        type="gradingPeriod",
        school_year="2027",
        parent=term,
        start_date=date(2026, 9, 1),
        end_date=date(2026, 11, 1),
    )
    w.classes.update(class_a=class_a, class_b=class_b)
    class_a.terms.add(term)
    class_b.terms.add(term)
    partners.set_redirect_uris(client=w.oidc_clients["partner_a"], uris=[REDIRECT_URI_A])
    w.users["student"] = person("stu", "student", school, email="stu@school.example")
    w.users["other_student"] = person("stu2", "student", school)
    w.users["guardian"] = person("guard", "guardian", school)
    w.users["guide"] = person("guide-a", "teacher", school)
    w.users["other_guide"] = person("guide-b", "teacher", school)
    w.users["org_admin"] = person("org-admin", "administrator", district)
    services.link_agent(student=w.users["student"], agent=w.users["guardian"])
    enrol(w.users["student"], class_a, "student")
    enrol(w.users["guide"], class_a, "teacher")
    enrol(w.users["other_student"], class_b, "student")
    enrol(w.users["other_guide"], class_b, "teacher")
    Demographics.objects.create(sourced_id="stu", user=w.users["student"], sex="female")
    Demographics.objects.create(sourced_id="stu2", user=w.users["other_student"], sex="male")

    w.clients["anonymous"] = Client()
    for role in PEOPLE:
        w.clients[role] = Client()
        w.clients[role].force_login(w.users[role])
    return w
