import pytest

from rostering.access import courses_visible_to_app, students_visible_to_app
from rostering.models import Class, Course, Enrollment, Org, PartnerApp, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_apps():
    school = Org.objects.create(sourced_id="sch", name="School", type="school")
    a = PartnerApp.objects.create(name="A")
    b = PartnerApp.objects.create(name="B")
    course_a = Course.objects.create(sourced_id="ca", title="A course", partner_app=a)
    Course.objects.create(sourced_id="cb", title="B course", partner_app=b)
    klass = Class.objects.create(sourced_id="k", title="K", course=course_a, school=school)
    student = User.objects.create(username="s", sourced_id="s")
    teacher = User.objects.create(username="t", sourced_id="t")
    User.objects.create(username="other", sourced_id="other")
    for user, role in [(student, "student"), (teacher, "teacher")]:
        Enrollment.objects.create(
            sourced_id=f"e-{user.username}", user=user, klass=klass, school=school, role=role
        )
    return a, b


def test_an_app_sees_only_its_own_courses(two_apps):
    a, b = two_apps
    assert [c.sourced_id for c in courses_visible_to_app(a)] == ["ca"]
    assert [c.sourced_id for c in courses_visible_to_app(b)] == ["cb"]


def test_an_app_sees_only_students_enrolled_in_classes_of_its_courses(two_apps):
    a, b = two_apps
    assert [u.sourced_id for u in students_visible_to_app(a)] == ["s"]
    assert list(students_visible_to_app(b)) == []


def test_a_roster_source_sees_the_whole_roster(two_apps):
    sis = PartnerApp.objects.create(name="SIS", roster_source=True)
    assert courses_visible_to_app(sis).count() == 2
    assert students_visible_to_app(sis).count() == 3
    assert courses_visible_to_app(None).count() == 0
