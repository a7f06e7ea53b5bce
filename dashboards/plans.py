"""Hole filling on the pages (docs/hole-filling.md#pages): what the student and guide
pages read of remediation plans, and who may close or adjust one."""

from remediation import selectors as remediation
from rostering import access
from rostering.models import EnrollmentRole


def student_plans(student) -> list:
    """The student's open plans ("Your plan"), next lesson first in each."""
    return remediation.open_plans(student)


def class_plans(klass, students) -> dict:
    """The open plans of a class's students and the standards they miss most."""
    ids = [s.pk for s in students]
    by_student = remediation.open_plans_of_students(ids)
    return {
        "rows": [(s, by_student[s.pk]) for s in students if s.pk in by_student],
        "most_missed": remediation.most_missed(ids),
    }


def may_manage(user, student) -> bool:
    """A guide teaching one of the student's classes, or an administrator of their school:
    someone who sees the student through a class, not the student or a guardian."""
    if user.pk == student.pk:
        return False
    return (
        access.classes_visible_to_user(user)
        .filter(enrollments__user=student, enrollments__role=EnrollmentRole.STUDENT)
        .exists()
    )
