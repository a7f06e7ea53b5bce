"""Hole filling in the demo (docs/hole-filling.md#demo): the bundled synthetic framework
(standards/frameworks/), the demo math lessons aligned to it, and one struggling student's
mastery test with per-standard scores, written through the gradebook's own service as the
gradebook API writes a partner's result. The remediation plan then comes from the real
engine (gradebook.signals.results_recorded → remediation), not from a shortcut; what the
student mastered in the simulated history counts towards it.

Lives in the events app beside the demo history (seed_demo composes both); it imports only
the layers below (standards, gradebook, rostering). Idempotent: the framework re-imports in
place, the alignment and the test result are upserts (an unchanged result writes nothing).
"""

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from django.db import transaction

from gradebook import services as gradebook
from gradebook.models import AssessmentLineItem
from rostering import services as rostering
from rostering.models import Course, CourseComponent, PartnerApp, Status, User
from standards import services as standards

FRAMEWORK = Path(__file__).resolve().parents[1] / "standards" / "frameworks"
PACKAGE = FRAMEWORK / "demo-math-cfpackage-v1p1.json"

# CFItem identifiers of the synthetic framework, by humanCodingScheme.
MUL_1 = "0c7ee4fc-8e2b-5436-aff5-f80e1b4405ce"  # DEMO.3.MUL.1 (precedes MUL.3)
MUL_2 = "c408e8f1-da56-5415-992e-de8081580aae"  # DEMO.3.MUL.2 (precedes MUL.3)
MUL_3 = "df601e23-1d98-5b83-96a0-0714be8a6bf2"  # DEMO.3.MUL.3
FRA_1 = "ab4c4701-6f97-57a4-9ab0-f37579626f77"  # DEMO.3.FRA.1 (precedes FRA.2)
FRA_2 = "68fe738e-9b24-53ee-856e-23cc630cd3ec"  # DEMO.3.FRA.2 (precedes 4.FRA.1)
FRA_4 = "18a5108c-54a9-5949-8460-ed83e752fdc0"  # DEMO.4.FRA.1

# Demo math lessons (rostering.demo) → the standards they teach. DEMO.3.MUL.2 and
# DEMO.3.FRA.2 have no lesson: the guide page shows them as content gaps.
ALIGNMENT = {
    "demo-math-g5-u2-l1": [FRA_4],  # Equivalent Fractions
    "demo-math-g5-u2-l2": [FRA_1],  # Adding Fractions with Unlike Denominators
    "demo-math-g5-u2-l4": [MUL_1],  # Multiplying Fractions
    "demo-math-g5-u3-l1": [MUL_3],  # Volume of Rectangular Prisms
    "demo-math-g5-u3-l2": [MUL_3],  # Converting Units of Measure
}

TEST_LINE_ITEM = "demo-math-g5-skills-check"
# The third demo student follows the "struggling" profile (events.demo.DEAL).
STUDENT = "demo-student-03"
# Per-standard scores (percent) of the student's skills check: two standards below 90 %.
SCORES = {MUL_1: 95, MUL_2: 96, MUL_3: 55, FRA_1: 92, FRA_4: 62}


@transaction.atomic
def seed(*, app: PartnerApp, today: date) -> str:
    """Import the framework, align the lessons, write the student's skills check; answers
    a line for the command's output."""
    imported = standards.import_package_bytes(PACKAGE.read_bytes())
    lessons = CourseComponent.objects.filter(sourced_id__in=list(ALIGNMENT))
    for lesson in lessons:
        rostering.upsert_course_component(
            sourced_id=lesson.sourced_id, learning_standards=ALIGNMENT[lesson.sourced_id]
        )
    student = User.objects.filter(sourced_id=STUDENT).first()
    course = Course.objects.filter(sourced_id="demo-math-g5").first()
    if student is None or course is None:
        return "Hole filling: the demo student or course is missing; no mastery test written."
    line_item, _, _ = rostering.upsert_by_sourced_id(
        AssessmentLineItem,
        sourced_id=TEST_LINE_ITEM,
        fields={
            "title": "Grade 5 math skills check",
            "course": course,
            "partner_app": app,
            "result_value_min": 0,
            "result_value_max": 100,
            "status": Status.ACTIVE,
            "metadata": {"masteryTest": True},
        },
    )
    taken = datetime.combine(today - timedelta(days=1), time(10, 0), tzinfo=UTC)
    gradebook.upsert_assessment_result(
        sourced_id=f"{TEST_LINE_ITEM}-{STUDENT}",
        line_item=line_item,
        student=student,
        course=course,
        score=round(sum(SCORES.values()) / len(SCORES)),
        score_status="fully graded",
        score_date=taken,
        status=Status.ACTIVE,
        learning_objective_set=[
            {
                "source": "CASE",
                "learningObjectiveResults": [
                    {"learningObjectiveId": identifier, "score": score}
                    for identifier, score in SCORES.items()
                ],
            }
        ],
        metadata={},
    )
    return (
        f"Hole filling: framework '{imported.document.title}' ({imported.items} standards), "
        f"{lessons.count()} lessons aligned, a skills check for {student.first_name} "
        f"{student.last_name} ({STUDENT}) with two standards below the threshold."
    )
