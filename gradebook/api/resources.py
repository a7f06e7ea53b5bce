"""The gradebook resource types, described with core's `ResourceType` so the same
generic views, query layer and error handling serve them as serve rostering."""

from core import scopes as s
from core.api.query import Field
from core.api.resources import BASE_FIELDS, COMMON_OUT, ResourceType

from .. import access, selectors
from ..models import AssessmentLineItem, AssessmentResult, Category, LineItem, Result, ScoreScale
from . import inputs, writers
from . import representations as rep

GRADEBOOK_READ = [s.oneroster("gradebook.readonly"), s.oneroster("gradebook-core.readonly")]
GRADEBOOK_WRITE = [s.oneroster("gradebook.createput"), s.oneroster("gradebook.createpost")]
GRADEBOOK_DELETE = [s.oneroster("gradebook.delete")]
ASSESSMENT_READ = [s.oneroster("assessment.readonly")]
ASSESSMENT_WRITE = [s.oneroster("assessment.createput")]
ASSESSMENT_DELETE = [s.oneroster("assessment.delete")]

GRADEBOOK_SCOPES = {
    "read_scopes": GRADEBOOK_READ,
    "write_scopes": GRADEBOOK_WRITE,
    "delete_scopes": GRADEBOOK_DELETE,
}
ASSESSMENT_SCOPES = {
    "read_scopes": ASSESSMENT_READ,
    "write_scopes": ASSESSMENT_WRITE,
    "delete_scopes": ASSESSMENT_DELETE,
}
RESULT_OUT = (
    *COMMON_OUT,
    "student",
    "scoreStatus",
    "score",
    "textScore",
    "scoreDate",
    "scoreScale",
    "comment",
    "learningObjectiveSet",
    "inProgress",
    "incomplete",
    "late",
    "missing",
)

CATEGORY = ResourceType(
    singular="category",
    plural="categories",
    model=Category,
    queryset=selectors.categories,
    represent=rep.category,
    fields={**BASE_FIELDS, "title": Field("title"), "weight": Field("weight", "number")},
    output_fields=(*COMMON_OUT, "title", "weight"),
    input=inputs.CategoryInput,
    write=writers.write_category,
    search=("title", "sourced_id"),
    visible=access.visible_categories,
    delete=writers.delete_category,
    **GRADEBOOK_SCOPES,
)

SCORE_SCALE = ResourceType(
    singular="scoreScale",
    plural="scoreScales",
    model=ScoreScale,
    queryset=selectors.score_scales,
    represent=rep.score_scale,
    fields={
        **BASE_FIELDS,
        "title": Field("title"),
        "type": Field("type"),
        "class.sourcedId": Field("klass__sourced_id"),
        "course.sourcedId": Field("course__sourced_id"),
    },
    output_fields=(*COMMON_OUT, "title", "type", "course", "class", "scoreScaleValue"),
    input=inputs.ScoreScaleInput,
    write=writers.write_score_scale,
    search=("title", "sourced_id"),
    visible=access.classes_of_courses,
    delete=writers.delete_of_class,
    **GRADEBOOK_SCOPES,
)

LINE_ITEM = ResourceType(
    singular="lineItem",
    plural="lineItems",
    model=LineItem,
    queryset=selectors.line_items,
    represent=rep.line_item,
    fields={
        **BASE_FIELDS,
        "title": Field("title"),
        "assignDate": Field("assign_date", "datetime"),
        "dueDate": Field("due_date", "datetime"),
        "class.sourcedId": Field("klass__sourced_id"),
        "school.sourcedId": Field("school__sourced_id"),
        "category.sourcedId": Field("category__sourced_id"),
        "gradingPeriod.sourcedId": Field("grading_period__sourced_id"),
        "academicSession.sourcedId": Field("academic_session__sourced_id"),
        "scoreScale.sourcedId": Field("score_scale__sourced_id"),
        "resultValueMin": Field("result_value_min", "number"),
        "resultValueMax": Field("result_value_max", "number"),
    },
    output_fields=(
        *COMMON_OUT,
        "title",
        "assignDate",
        "dueDate",
        "class",
        "school",
        "category",
        "gradingPeriod",
        "academicSession",
        "scoreScale",
        "resultValueMin",
        "resultValueMax",
        "learningObjectiveSet",
    ),
    input=inputs.LineItemInput,
    write=writers.write_line_item,
    search=("title", "sourced_id"),
    visible=access.classes_of_courses,
    delete=writers.delete_of_class,
    **GRADEBOOK_SCOPES,
)

RESULT_FIELDS = {
    **BASE_FIELDS,
    "student.sourcedId": Field("student__sourced_id"),
    "scoreStatus": Field("score_status"),
    "score": Field("score", "number"),
    "textScore": Field("text_score"),
    "scoreScale.sourcedId": Field("score_scale__sourced_id"),
}

RESULT = ResourceType(
    singular="result",
    plural="results",
    model=Result,
    queryset=selectors.results,
    represent=rep.result,
    fields={
        **RESULT_FIELDS,
        "lineItem.sourcedId": Field("line_item__sourced_id"),
        "class.sourcedId": Field("klass__sourced_id"),
        "scoreDate": Field("score_date", "date"),
    },
    output_fields=(*RESULT_OUT, "lineItem", "class"),
    input=inputs.ResultInput,
    write=writers.write_result,
    search=("sourced_id", "student__sourced_id", "line_item__sourced_id"),
    visible=access.visible_results,
    delete=writers.delete_of_class,
    **GRADEBOOK_SCOPES,
)

ASSESSMENT_LINE_ITEM = ResourceType(
    singular="assessmentLineItem",
    plural="assessmentLineItems",
    model=AssessmentLineItem,
    queryset=selectors.assessment_line_items,
    represent=rep.assessment_line_item,
    fields={
        **BASE_FIELDS,
        "title": Field("title"),
        "class.sourcedId": Field("klass__sourced_id"),
        "parentAssessmentLineItem.sourcedId": Field("parent__sourced_id"),
        "parent.sourcedId": Field("parent__sourced_id"),
        "scoreScale.sourcedId": Field("score_scale__sourced_id"),
        "course.sourcedId": Field("course__sourced_id"),
        "component.sourcedId": Field("lesson__sourced_id"),
        "componentResource.sourcedId": Field("component_resource__sourced_id"),
        "resultValueMin": Field("result_value_min", "number"),
        "resultValueMax": Field("result_value_max", "number"),
    },
    output_fields=(
        *COMMON_OUT,
        "title",
        "class",
        "parentAssessmentLineItem",
        "componentResource",
        "scoreScale",
        "resultValueMin",
        "resultValueMax",
        "learningObjectiveSet",
    ),
    input=inputs.AssessmentLineItemInput,
    write=writers.write_assessment_line_item,
    search=("title", "sourced_id"),
    visible=access.visible_assessment_line_items,
    delete=writers.delete_assessment_line_item,
    **ASSESSMENT_SCOPES,
)

ASSESSMENT_RESULT = ResourceType(
    singular="assessmentResult",
    plural="assessmentResults",
    model=AssessmentResult,
    queryset=selectors.assessment_results,
    represent=rep.assessment_result,
    fields={
        **RESULT_FIELDS,
        "assessmentLineItem.sourcedId": Field("line_item__sourced_id"),
        "scoreDate": Field("score_date", "datetime"),
        "scorePercentile": Field("score_percentile", "number"),
        "course.sourcedId": Field("course__sourced_id"),
        "component.sourcedId": Field("lesson__sourced_id"),
    },
    output_fields=(*RESULT_OUT, "assessmentLineItem", "scorePercentile"),
    input=inputs.AssessmentResultInput,
    write=writers.write_assessment_result,
    search=("sourced_id", "student__sourced_id", "line_item__sourced_id"),
    visible=access.visible_assessment_results,
    delete=writers.delete_assessment_result,
    **ASSESSMENT_SCOPES,
)
