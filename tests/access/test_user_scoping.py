"""rostering.access: who sees which students and classes (docs/access.md#who-sees-what)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from rostering import access
from rostering.models import Class, Org, User, UserRole

pytestmark = pytest.mark.django_db


def usernames(queryset):
    return sorted(queryset.values_list("username", flat=True))


def class_ids(queryset):
    return sorted(queryset.values_list("sourced_id", flat=True))


def test_a_student_sees_only_themselves(world):
    assert usernames(access.students_visible_to_user(world.users["student"])) == ["stu-1"]


def test_a_guardian_sees_their_linked_children_and_no_one_else(world):
    visible = usernames(access.students_visible_to_user(world.users["guardian"]))
    assert visible == ["guardian-1", "stu-1"]


def test_a_linked_user_without_a_guardian_role_sees_no_children(world):
    UserRole.objects.filter(user=world.users["guardian"]).update(role="aide")
    assert usernames(access.students_visible_to_user(world.users["guardian"])) == ["guardian-1"]


def test_a_guide_sees_the_students_of_the_classes_they_teach(world):
    assert usernames(access.students_visible_to_user(world.users["guide"])) == [
        "guide-1",
        "stu-1",
        "stu-2",
    ]
    assert usernames(access.students_visible_to_user(world.users["other_guide"])) == [
        "guide-2",
        "stu-3",
    ]


def test_a_guide_opens_only_the_classes_they_teach(world):
    assert class_ids(access.classes_visible_to_user(world.users["guide"])) == ["class-1"]
    assert access.can_view_class(world.users["guide"], Class.objects.get(sourced_id="class-1"))
    assert not access.can_view_class(world.users["guide"], Class.objects.get(sourced_id="class-2"))


def test_an_org_administrator_sees_the_students_and_classes_of_child_orgs(world):
    admin = world.users["org_admin"]
    assert {"stu-1", "stu-3"} <= set(usernames(access.students_visible_to_user(admin)))
    assert class_ids(access.classes_visible_to_user(admin)) == ["class-1", "class-2"]
    assert usernames(access.students_visible_to_user(admin)) == [
        "admin-1",
        "stu-1",
        "stu-2",
        "stu-3",
    ]


def test_an_org_administrator_does_not_see_a_sibling_org(world):
    other = Org.objects.create(sourced_id="other-district", name="Other", type="district")
    elsewhere = User.objects.create(username="far", sourced_id="far")
    UserRole.objects.create(user=elsewhere, org=other, role="student")

    assert not access.can_view_student(world.users["org_admin"], elsewhere)


def test_administered_orgs_include_every_level_below(world):
    school = Org.objects.get(sourced_id="school")
    dept = Org.objects.create(sourced_id="dept", name="Maths", type="department", parent=school)

    ids = access.org_ids_administered_by(world.users["org_admin"])

    assert ids == set(
        Org.objects.filter(sourced_id__in=["district", "school", "dept"]).values_list(
            "pk", flat=True
        )
    )
    assert dept.pk in ids


def test_students_and_guardians_open_no_class_as_a_whole(world):
    for role in ("student", "guardian"):
        assert class_ids(access.classes_visible_to_user(world.users[role])) == []


def test_anonymous_and_inactive_users_see_no_one(world):
    student = world.users["student"]
    assert not access.can_view_student(AnonymousUser(), student)
    assert not access.can_view_student(None, student)
    student.is_active = False
    student.save()
    assert not access.can_view_student(student, student)


def test_a_superuser_sees_everyone(world):
    root = User.objects.create_superuser(username="root", password="x")
    assert access.students_visible_to_user(root).count() == User.objects.count()


def test_can_view_student_costs_one_query_per_question(world, django_assert_max_num_queries):
    guide, student = world.users["guide"], world.users["student"]
    with django_assert_max_num_queries(2):
        assert access.can_view_student(guide, student)


def test_a_developer_sees_only_the_partner_apps_they_own(world):
    developer = world.apps["partner_a"].owners.get()
    assert list(access.partner_apps_visible_to_user(developer)) == [world.apps["partner_a"]]
    assert list(access.partner_apps_visible_to_user(world.users["student"])) == []


def test_an_org_administrator_sees_students_not_the_teachers_and_guardians_of_the_org(world):
    """A OneRoster import gives every person a primary org; that makes the org's students
    visible to its administrator, not the pages of its teachers and guardians."""
    school = Org.objects.get(sourced_id="school")
    User.objects.filter(sourced_id__in=["guide-1", "guardian-1", "stu-1"]).update(
        primary_org=school
    )
    admin = world.users["org_admin"]

    visible = usernames(access.students_visible_to_user(admin))

    assert "stu-1" in visible
    assert "guide-1" not in visible and "guardian-1" not in visible
    client = world.clients["org_admin"]
    for person in ("guide", "guardian"):
        assert client.get(f"/students/{world.users[person].pk}/").status_code == 404
    assert client.get(f"/students/{world.users['student'].pk}/").status_code == 200


def test_an_org_administrator_does_not_see_a_teacher_or_guardian_of_another_org(world):
    other = Org.objects.create(sourced_id="other-school", name="Other", type="school")
    for username, role in (("far-teacher", "teacher"), ("far-guardian", "guardian")):
        person = User.objects.create(username=username, sourced_id=username, primary_org=other)
        UserRole.objects.create(user=person, org=other, role=role)
        assert not access.can_view_student(world.users["org_admin"], person)
        response = world.clients["org_admin"].get(f"/students/{person.pk}/")
        assert response.status_code == 404
