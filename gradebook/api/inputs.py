"""Request bodies of the gradebook writes, as lenient as rostering's (core.api.inputs):
wrapped or bare objects, references as a sourcedId or `{sourcedId, ...}`, dates that carry a
time, booleans as JSON booleans or "true"/"false". Everything is validated before anything
is written, and every error names its field.
"""

from decimal import Decimal

from rest_framework import serializers

from core.api.inputs import (
    BaseInput,
    ChoiceOrExtension,
    LenientDateField,
    LenientDateTimeField,
    RefField,
    optional_text,
    text,
)

from ..models import ScoreStatus

# What the columns hold (12 digits, 4 of them decimals; mastered units 10 digits, 2 decimals).
LARGEST = 10**8 - 1
LARGEST_FIGURE = 10**6
# Timeback's figures in a result's metadata, which the gradebook counts
# (docs/xp-and-mastery.md#reported-xp).
NUMERIC_METADATA = ("xp", "accuracy", "totalQuestions", "correctQuestions", "masteredUnits")
EARLIEST_YEAR, LATEST_YEAR = 1900, 2200


class MomentField(LenientDateTimeField):
    """A date-time (or a date, read as its UTC midnight) within years a school can mean;
    far-off years would overflow when converted to UTC."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            raise serializers.ValidationError(f"must be between {EARLIEST_YEAR} and {LATEST_YEAR}.")
        return value


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


class ListOf(serializers.Field):
    """A list of objects, each validated in full by `serializer` even when the enclosing
    body is a partial update (DRF's partial=True would otherwise let nested required
    properties go missing, and the answer would break the official schema)."""

    def __init__(self, serializer, *, min_length=0, max_length=200, **kwargs):
        super().__init__(**kwargs)
        self.serializer, self.min_length, self.max_length = serializer, min_length, max_length

    def to_internal_value(self, data):
        if not isinstance(data, list) or not self.min_length <= len(data) <= self.max_length:
            raise serializers.ValidationError(
                f"must be a list of {self.min_length} to {self.max_length} objects."
            )
        items, errors = [], {}
        for i, item in enumerate(data):
            serializer = self.serializer(data=item)
            if serializer.is_valid():
                items.append(serializer.validated_data)
            else:
                errors[f"[{i}]"] = serializer.errors
        if errors:
            raise serializers.ValidationError(errors)
        return items

    def to_representation(self, value):
        return value


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
    learningObjectiveResults = ListOf(LearningObjectiveResultInput, min_length=1)


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
    scoreScaleValue = ListOf(ScoreScaleValueInput, required=False, min_length=1)


ScoreScaleInput._declared_fields["class"] = RefField(required=False)


class LineItemInput(BaseInput):
    title = text(required=False)
    description = optional_text()
    assignDate = MomentField(required=False)
    dueDate = MomentField(required=False)
    school = RefField(required=False)
    category = RefField(required=False)
    gradingPeriod = RefField(required=False, allow_null=True)
    academicSession = RefField(required=False, allow_null=True)
    scoreScale = RefField(required=False, allow_null=True)
    resultValueMin = score()
    resultValueMax = score()
    learningObjectiveSet = ListOf(
        LearningObjectiveSetInput, required=False, allow_null=True, max_length=50
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
    learningObjectiveSet = ListOf(
        LearningObjectiveScoreSetInput, required=False, allow_null=True, max_length=50
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
    scoreDate = MomentField(required=False)
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
            if figure is not None and abs(figure) > LARGEST_FIGURE:
                raise serializers.ValidationError(f"'{name}' is out of range.")
        return value


class AssessmentLineItemInput(BaseInput):
    title = text(required=False)
    description = optional_text()
    course = RefField(required=False, allow_null=True)
    component = RefField(required=False, allow_null=True)
    lesson = RefField(required=False, allow_null=True)
    componentResource = RefField(required=False, allow_null=True)
    parent = RefField(required=False, allow_null=True)
    parentAssessmentLineItem = RefField(required=False, allow_null=True)
    scoreScale = RefField(required=False, allow_null=True)
    resultValueMin = score()
    resultValueMax = score()
    learningObjectiveSet = ListOf(
        LearningObjectiveSetInput, required=False, allow_null=True, max_length=50
    )


AssessmentLineItemInput._declared_fields["class"] = RefField(required=False, allow_null=True)
