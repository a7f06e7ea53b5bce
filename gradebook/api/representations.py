"""Gradebook model → OneRoster JSON, in the shapes of the official 1EdTech gradebook schemas
(`additionalProperties: false`: Timeback's extras go in `metadata`). Optional text left
empty is omitted; references are `{href, sourcedId, type}`.
"""

from core.api.representations import Refs, base, day, put_optional, timestamp


def number(value):
    return None if value is None else float(value)


def _ref(ref: Refs, kind: str, obj):
    return ref(kind, obj.sourced_id) if obj is not None else None


def category(obj, ref: Refs) -> dict:
    data = base(obj)
    data["title"] = obj.title
    return put_optional(data, weight=number(obj.weight))


def score_scale(obj, ref: Refs) -> dict:
    data = base(obj)
    data.update(title=obj.title, type=obj.type)
    put_optional(data, course=_ref(ref, "course", obj.course))
    data["class"] = _ref(ref, "class", obj.klass)
    data["scoreScaleValue"] = obj.values
    return data


def line_item(obj, ref: Refs) -> dict:
    data = base(obj)
    data.update(
        title=obj.title,
        assignDate=timestamp(obj.assign_date),
        dueDate=timestamp(obj.due_date),
        school=_ref(ref, "org", obj.school),
        category=_ref(ref, "category", obj.category),
    )
    data["class"] = _ref(ref, "class", obj.klass)
    if obj.description:
        data["metadata"] = {**data["metadata"], "description": obj.description}
    return put_optional(
        data,
        gradingPeriod=_ref(ref, "academicSession", obj.grading_period),
        academicSession=_ref(ref, "academicSession", obj.academic_session),
        scoreScale=_ref(ref, "scoreScale", obj.score_scale),
        resultValueMin=number(obj.result_value_min),
        resultValueMax=number(obj.result_value_max),
        learningObjectiveSet=obj.learning_objective_set or None,
    )


def _result_common(obj, ref: Refs) -> dict:
    data = base(obj)
    data.update(student=_ref(ref, "user", obj.student), scoreStatus=obj.score_status)
    put_optional(
        data,
        scoreScale=_ref(ref, "scoreScale", obj.score_scale),
        score=number(obj.score),
        textScore=obj.text_score,
        comment=obj.comment,
        learningObjectiveSet=obj.learning_objective_set or None,
    )
    data.update(obj.flags or {})
    return data


def result(obj, ref: Refs) -> dict:
    data = _result_common(obj, ref)
    data.update(lineItem=_ref(ref, "lineItem", obj.line_item), scoreDate=day(obj.score_date))
    data["class"] = _ref(ref, "class", obj.klass)
    return data


def assessment_line_item(obj, ref: Refs) -> dict:
    data = base(obj)
    data["title"] = obj.title
    extras = {"description": obj.description} if obj.description else {}
    if obj.lesson_id:
        extras["component"] = {"sourcedId": obj.lesson.sourced_id}
    if obj.course_id:
        extras["course"] = {"sourcedId": obj.course.sourced_id}
    data["metadata"] = {**data["metadata"], **extras}
    return put_optional(
        data,
        **{"class": _ref(ref, "class", obj.klass)},
        parentAssessmentLineItem=_ref(ref, "assessmentLineItem", obj.parent),
        componentResource=_ref(ref, "componentResource", obj.component_resource),
        scoreScale=_ref(ref, "scoreScale", obj.score_scale),
        resultValueMin=number(obj.result_value_min),
        resultValueMax=number(obj.result_value_max),
        learningObjectiveSet=obj.learning_objective_set or None,
    )


def assessment_result(obj, ref: Refs) -> dict:
    data = _result_common(obj, ref)
    data.update(
        assessmentLineItem=_ref(ref, "assessmentLineItem", obj.line_item),
        scoreDate=day(obj.score_date.date()),
    )
    return put_optional(data, scorePercentile=number(obj.score_percentile))
