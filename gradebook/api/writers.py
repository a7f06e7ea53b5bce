"""From a validated gradebook body to a write: resolve references, check who may write
(gradebook.access: 403 with the reason for another app's class or line item; a student
the app may not see is unknown), insist on what a new object needs, then upsert. Every writer takes (sourced_id, data, app, existing)
and answers (obj, created), like rostering.api.writers.
"""

from django.utils import timezone
from rest_framework.exceptions import ValidationError

from core.api.writers import common_fields, copy_fields, lookup, require_for_create
from rostering import access as rostering_access
from rostering.access import students_visible_to_app
from rostering.models import (
    AcademicSession,
    Class,
    ComponentResource,
    Course,
    CourseComponent,
    Org,
)
from rostering.services import soft_delete, upsert_by_sourced_id

from .. import access, selectors, services
from ..models import (
    AssessmentLineItem,
    Category,
    LineItem,
    Result,
    ScoreScale,
    ScoreStatus,
)

SCORE_WARNING = "scoreWarning"


def lookup_visible(queryset, sourced_id: str, field: str):
    """A referenced object the app may see; anything else is 'unknown' (docs/access.md)."""
    obj = queryset.filter(sourced_id=sourced_id).first()
    if obj is None:
        name = queryset.model._meta.verbose_name
        raise ValidationError({field: f"unknown {name} '{sourced_id}'."})
    return obj


def class_(sourced_id, field="class"):
    """A class by sourcedId; whether the app may write its gradebook is checked after
    (403 with the reason, as for rostering writes)."""
    return lookup(Class, sourced_id, field)


def visible_student(app, sourced_id, field="student"):
    return lookup_visible(students_visible_to_app(app), sourced_id, field)


def optional(data, json_name, find):
    """{json_name: object or None} when the body names the property, else {}."""
    if json_name not in data:
        return {}
    return {json_name: find(data[json_name]) if data[json_name] else None}


def _fixed(existing, attribute, new, field):
    """References that identify a result or line item cannot move it elsewhere."""
    if existing is not None and new is not None and getattr(existing, f"{attribute}_id") != new.pk:
        raise ValidationError(
            {field: f"cannot be changed on an existing {existing._meta.verbose_name}."}
        )


def _flags(data, existing) -> dict:
    flags = dict(existing.flags if existing is not None else {})
    flags.update({k: data[k] for k in ("inProgress", "incomplete", "late", "missing") if k in data})
    return flags


def _objectives(data) -> dict:
    if "learningObjectiveSet" not in data:
        return {}
    return {"learning_objective_set": _plain(data["learningObjectiveSet"] or [])}


def _plain(value):
    """Validated nested data back to plain JSON (Decimals to numbers)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return float(value) if hasattr(value, "as_tuple") else value


# --- categories and score scales ---


def write_category(*, sourced_id, data, app, existing):
    access.require_category_owner(app, existing)
    require_for_create(existing, data, ["title"])
    fields = {**common_fields(data), **copy_fields(data, {"title": "title", "weight": "weight"})}
    if existing is None and app is not None and not app.roster_source:
        fields["partner_app"] = app
    obj, created, _ = upsert_by_sourced_id(Category, sourced_id=sourced_id, fields=fields)
    return obj, created


def write_score_scale(*, sourced_id, data, app, existing):
    require_for_create(existing, data, ["title", "type", "class", "scoreScaleValue"])
    if existing is not None:
        access.require_class_owner(app, existing.klass)
    fields = {**common_fields(data), **copy_fields(data, {"title": "title", "type": "type"})}
    if data.get("class"):
        fields["klass"] = class_(data["class"])
        access.require_class_owner(app, fields["klass"])
    if "course" in data:
        fields["course"] = lookup(Course, data["course"], "course") if data["course"] else None
    if "scoreScaleValue" in data:
        fields["values"] = [dict(v) for v in data["scoreScaleValue"]]
    obj, created, _ = upsert_by_sourced_id(ScoreScale, sourced_id=sourced_id, fields=fields)
    return obj, created


def _score_scale(app, sourced_id, field="scoreScale"):
    return lookup_visible(
        access.classes_of_courses(selectors.score_scales(), app), sourced_id, field
    )


# --- line items and their results ---


def write_line_item(*, sourced_id, data, app, existing):
    require_for_create(existing, data, ["title", "class", "category"])
    if existing is not None:
        access.require_class_owner(app, existing.klass)
    fields = {
        **common_fields(data),
        **copy_fields(
            data,
            {
                "title": "title",
                "description": "description",
                "assignDate": "assign_date",
                "dueDate": "due_date",
                "resultValueMin": "result_value_min",
                "resultValueMax": "result_value_max",
            },
        ),
        **_objectives(data),
    }
    if data.get("class"):
        fields["klass"] = class_(data["class"])
        access.require_class_owner(app, fields["klass"])
    klass = fields.get("klass") or existing.klass
    if data.get("school"):
        fields["school"] = lookup(Org, data["school"], "school")
    elif existing is None or "klass" in fields:
        fields["school"] = klass.school
    if data.get("category"):
        fields["category"] = lookup_visible(
            access.visible_categories(Category.objects.all(), app),
            data["category"],
            "category",
        )
    for json_name, field in (
        ("gradingPeriod", "grading_period"),
        ("academicSession", "academic_session"),
    ):
        if json_name in data:
            value = data[json_name]
            fields[field] = lookup(AcademicSession, value, json_name) if value else None
    if "scoreScale" in data:
        fields["score_scale"] = (
            _score_scale(app, data["scoreScale"]) if data["scoreScale"] else None
        )
    if existing is None:
        fields.setdefault("assign_date", timezone.now())
        fields.setdefault("due_date", fields["assign_date"])
    obj, created, _ = upsert_by_sourced_id(LineItem, sourced_id=sourced_id, fields=fields)
    return obj, created


def _score_warning(metadata: dict, score, low, high, item_id) -> dict:
    """Scores outside the line item's range are kept (real apps send bonus points), with a
    warning in metadata rather than a 400."""
    metadata = {k: v for k, v in (metadata or {}).items() if k != SCORE_WARNING}
    if score is not None and high is not None and score > high:
        metadata[SCORE_WARNING] = f"score {score} is above resultValueMax {high} of '{item_id}'."
    elif score is not None and low is not None and score < low:
        metadata[SCORE_WARNING] = f"score {score} is below resultValueMin {low} of '{item_id}'."
    return metadata


def _result_fields(data, existing) -> dict:
    fields = {
        **common_fields(data),
        **copy_fields(
            data,
            {
                "scoreStatus": "score_status",
                "score": "score",
                "textScore": "text_score",
                "comment": "comment",
                "scoreDate": "score_date",
            },
        ),
        **_objectives(data),
    }
    if "score" in data and data["score"] is None:
        fields["score"] = None
    fields["flags"] = _flags(data, existing)
    return fields


def _finish_result(fields, data, app, existing, item, now) -> None:
    """What results and assessment results share: the student (one the app may see, fixed
    once created), the score scale, defaults of a new result, the score warning."""
    if data.get("student"):
        fields["student"] = visible_student(app, data["student"])
        _fixed(existing, "student", fields["student"], "student")
    if "scoreScale" in data:
        fields["score_scale"] = (
            _score_scale(app, data["scoreScale"]) if data["scoreScale"] else None
        )
    if existing is None:
        fields.setdefault("score_status", ScoreStatus.FULLY_GRADED)
        fields.setdefault("score_date", now)
    fields["metadata"] = _score_warning(
        fields.get("metadata", existing.metadata if existing else {}),
        fields.get("score", existing.score if existing else None),
        item.result_value_min,
        item.result_value_max,
        item.sourced_id,
    )


def write_result(*, sourced_id, data, app, existing):
    require_for_create(existing, data, ["lineItem", "student"])
    if existing is not None:
        access.require_class_owner(app, existing.klass)
    fields = _result_fields(data, existing)
    line_item = None
    if data.get("lineItem"):
        line_item = lookup(LineItem, data["lineItem"], "lineItem")
        _fixed(existing, "line_item", line_item, "lineItem")
        access.require_class_owner(app, line_item.klass)
        fields.update(line_item=line_item, klass=line_item.klass)
    line_item = line_item or existing.line_item
    if data.get("class") and data["class"] != line_item.klass.sourced_id:
        raise ValidationError({"class": f"line item '{line_item.sourced_id}' is of another class."})
    _finish_result(fields, data, app, existing, line_item, timezone.now().date())
    obj, created, _ = upsert_by_sourced_id(Result, sourced_id=sourced_id, fields=fields)
    return obj, created


# --- assessment line items and results (Timeback's figures, mastery) ---


def write_assessment_line_item(*, sourced_id, data, app, existing):
    access.require_standardized_test_writer(app, sourced_id)
    require_for_create(existing, data, ["title"])
    access.require_assessment_line_item_owner(app, existing)
    fields = {
        **common_fields(data),
        **copy_fields(
            data,
            {
                "title": "title",
                "description": "description",
                "resultValueMin": "result_value_min",
                "resultValueMax": "result_value_max",
            },
        ),
        **_objectives(data),
    }
    if data.get("componentResource"):
        # A reference we store, so it must resolve (an unknown one answers 400, never dropped).
        link = lookup(ComponentResource, data["componentResource"], "componentResource")
        fields["component_resource"] = link
        fields["lesson"] = link.course_component
        fields["course"] = link.course_component.course
    elif "componentResource" in data:
        fields["component_resource"] = None
    lesson_field = next((k for k in ("component", "lesson") if data.get(k)), None)
    if lesson_field:
        fields["lesson"] = lookup(CourseComponent, data[lesson_field], lesson_field)
        fields["course"] = fields["lesson"].course
    if data.get("class"):
        fields["klass"] = class_(data["class"])
        fields.setdefault("course", fields["klass"].course)
    elif "class" in data:
        fields["klass"] = None
    if data.get("course") and "course" not in fields:
        fields["course"] = lookup(Course, data["course"], "course")
    if (
        existing is not None
        and fields.get("course")
        and existing.course_id
        not in (
            None,
            fields["course"].pk,
        )
    ):
        raise ValidationError({"course": "an assessment line item cannot move to another course."})
    if fields.get("course"):
        rostering_access.require_course_owner(app, fields["course"])
    parent_field = next((k for k in ("parentAssessmentLineItem", "parent") if k in data), None)
    if parent_field:
        parent_id = data[parent_field]
        fields["parent"] = (
            lookup_visible(
                access.visible_assessment_line_items(AssessmentLineItem.objects.all(), app),
                parent_id,
                parent_field,
            )
            if parent_id
            else None
        )
        if fields["parent"] is not None and fields["parent"].sourced_id == sourced_id:
            raise ValidationError(
                {parent_field: "an assessment line item cannot be its own parent."}
            )
    if "scoreScale" in data:
        fields["score_scale"] = (
            _score_scale(app, data["scoreScale"]) if data["scoreScale"] else None
        )
    if existing is None and app is not None and not app.roster_source:
        fields["partner_app"] = app
    obj, created, _ = upsert_by_sourced_id(AssessmentLineItem, sourced_id=sourced_id, fields=fields)
    return obj, created


def write_assessment_result(*, sourced_id, data, app, existing):
    access.require_writable_result(sourced_id)
    access.require_standardized_test_writer(
        app,
        sourced_id,
        data.get("assessmentLineItem") or "",
        existing.line_item.sourced_id if existing is not None else "",
    )
    require_for_create(existing, data, ["assessmentLineItem", "student"])
    if existing is not None:
        access.require_assessment_line_item_owner(app, existing.line_item)
    fields = _result_fields(data, existing)
    if "scorePercentile" in data:
        value = data["scorePercentile"]
        fields["score_percentile"] = None if value is None else round(value, 4)
    item = None
    if data.get("assessmentLineItem"):
        item = lookup(AssessmentLineItem, data["assessmentLineItem"], "assessmentLineItem")
        _fixed(existing, "line_item", item, "assessmentLineItem")
        access.require_assessment_line_item_owner(app, item)
        fields.update(line_item=item, course=item.course, lesson=item.lesson)
    item = item or existing.line_item
    _finish_result(fields, data, app, existing, item, timezone.now())
    return services.upsert_assessment_result(sourced_id=sourced_id, **fields)


# --- deletes (soft) follow the same rules as writes ---


def delete_category(app, obj):
    access.require_category_owner(app, obj)
    soft_delete(obj)


def delete_of_class(app, obj):
    """Score scales, line items and results: the class's course owner deletes them."""
    access.require_class_owner(app, obj.klass)
    soft_delete(obj)


def delete_assessment_line_item(app, obj):
    access.require_standardized_test_writer(app, obj.sourced_id)
    access.require_assessment_line_item_owner(app, obj)
    soft_delete(obj)


def delete_assessment_result(app, obj):
    access.require_writable_result(obj.sourced_id)
    access.require_standardized_test_writer(app, obj.sourced_id, obj.line_item.sourced_id)
    access.require_assessment_line_item_owner(app, obj.line_item)
    services.soft_delete_assessment_result(obj)
