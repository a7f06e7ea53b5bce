"""Request bodies of the gradebook writes, as lenient as rostering's (rostering.api.inputs):
wrapped or bare objects, references as a sourcedId or `{sourcedId, ...}`, dates that carry a
time, booleans as JSON booleans or "true"/"false". Everything is validated before anything
is written, and every error names its field.
"""

from decimal import Decimal

from rest_framework import serializers

from rostering.api.inputs import (
    BaseInput,
    ChoiceOrExtension,
    LenientDateField,
    LenientDateTimeField,
    RefField,
    optional_text,
    text,
)

from ..models import ScoreStatus

LARGEST = 10**8
# Timeback's figures in a result's metadata, which the gradebook counts (SPEC §6.1).
NUMERIC_METADATA = ("xp", "accuracy", "totalQuestions", "correctQuestions", "masteredUnits")


class ScoreField(serializers.FloatField):
    """A number, kept to the four decimals the gradebook stores."""

    def __init__(self, **kwargs):
        super().__init__(min_value=-LARGEST, max_value=LARGEST, **kwargs)

    def to_internal_value(self, data):
        return Decimal(str(round(super().to_internal_value(data), 4)))


def score(**kwargs):
    return ScoreField(required=False, allow_null=True, **kwargs)


class FlagField(serializers.BooleanField):
    """OneRoster's "true"/"false" strings (JSON booleans accepted), stored as such."""

    def to_internal_value(self, data):
        return "true" if super().to_internal_value(data) else "false"


class LearningObjectiveSetInput(serializers.Serializer):
    source = serializers.CharField(max_length=255)
    learningObjectiveIds = serializers.ListField(
        child=serializers.CharField(max_length=255), min_length=1, max_length=200
    )


class LearningObjectiveResultInput(serializers.Serializer):
    learningObjectiveId = serializers.CharField(max_length=255)
    score = score()
    textScore = serializers.CharField(max_length=255, required=False, allow_blank=True)


class LearningObjectiveScoreSetInput(serializers.Serializer):
    source = serializers.CharField(max_length=255)
    learningObjectiveResults = LearningObjectiveResultInput(many=True, max_length=200)


class CategoryInput(BaseInput):
    title = text(required=False)
    weight = score()


class ScoreScaleValueInput(serializers.Serializer):
    itemValueLHS = serializers.CharField(max_length=255, allow_blank=True)
    itemValueRHS = serializers.CharField(max_length=255, allow_blank=True)


class ScoreScaleInput(BaseInput):
    title = text(required=False)
    type = text(required=False)
    course = RefField(required=False, allow_null=True)
    scoreScaleValue = ScoreScaleValueInput(many=True, required=False, min_length=1, max_length=200)


ScoreScaleInput._declared_fields["class"] = RefField(required=False)


class LineItemInput(BaseInput):
    title = text(required=False)
    description = optional_text()
    assignDate = LenientDateTimeField(required=False)
    dueDate = LenientDateTimeField(required=False)
    school = RefField(required=False)
    category = RefField(required=False)
    gradingPeriod = RefField(required=False, allow_null=True)
    academicSession = RefField(required=False, allow_null=True)
    scoreScale = RefField(required=False, allow_null=True)
    resultValueMin = score()
    resultValueMax = score()
    learningObjectiveSet = LearningObjectiveSetInput(
        many=True, required=False, allow_null=True, max_length=50
    )

    def validate(self, attrs):
        low, high = attrs.get("resultValueMin"), attrs.get("resultValueMax")
        if low is not None and high is not None and high < low:
            raise serializers.ValidationError(
                {"resultValueMax": "must not be below resultValueMin."}
            )
        return attrs


LineItemInput._declared_fields["class"] = RefField(required=False)


class ResultFields(BaseInput):
    """What results and assessment results share."""

    student = RefField(required=False)
    scoreStatus = ChoiceOrExtension(choices=ScoreStatus.values, required=False)
    score = score()
    textScore = optional_text()
    scoreScale = RefField(required=False, allow_null=True)
    comment = serializers.CharField(
        max_length=10_000, required=False, allow_blank=True, allow_null=True
    )
    learningObjectiveSet = LearningObjectiveScoreSetInput(
        many=True, required=False, allow_null=True, max_length=50
    )
    inProgress = FlagField(required=False)
    incomplete = FlagField(required=False)
    late = FlagField(required=False)
    missing = FlagField(required=False)


class ResultInput(ResultFields):
    lineItem = RefField(required=False)
    scoreDate = LenientDateField(required=False)


ResultInput._declared_fields["class"] = RefField(required=False, allow_null=True)


class AssessmentResultInput(ResultFields):
    assessmentLineItem = RefField(required=False)
    scoreDate = LenientDateTimeField(required=False)
    scorePercentile = serializers.FloatField(
        required=False, allow_null=True, min_value=0, max_value=100
    )

    def validate_metadata(self, value):
        for name in NUMERIC_METADATA:
            figure = (value or {}).get(name)
            if figure is not None and (
                isinstance(figure, bool) or not isinstance(figure, int | float)
            ):
                raise serializers.ValidationError(f"'{name}' must be a number.")
            if figure is not None and abs(figure) > LARGEST:
                raise serializers.ValidationError(f"'{name}' is out of range.")
        return value


class AssessmentLineItemInput(BaseInput):
    title = text(required=False)
    description = optional_text()
    course = RefField(required=False, allow_null=True)
    component = RefField(required=False, allow_null=True)
    lesson = RefField(required=False, allow_null=True)
    parent = RefField(required=False, allow_null=True)
    parentAssessmentLineItem = RefField(required=False, allow_null=True)
    scoreScale = RefField(required=False, allow_null=True)
    resultValueMin = score()
    resultValueMax = score()
    learningObjectiveSet = LearningObjectiveSetInput(
        many=True, required=False, allow_null=True, max_length=50
    )


AssessmentLineItemInput._declared_fields["class"] = RefField(required=False, allow_null=True)
