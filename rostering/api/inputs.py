"""Request bodies of the rostering writes (OneRoster POST/PUT and the Partner PUTs).

Lenient where real clients are: the object may come wrapped (`{"user": {...}}`) or bare;
a reference may be a sourcedId string or an object with `sourcedId`; booleans may be JSON
booleans or the strings "true"/"false"; dates may carry a time; unknown properties (href,
dateLastModified, ...) are ignored. Everything is validated before anything is written.
"""

from rest_framework import serializers

from core.api.inputs import (
    MAX_TEXT,
    BaseInput,
    ChoiceOrExtension,
    LenientDateField,
    LenientDateTimeField,
    RefField,
    optional_text,
    string_list,
    text,
)

from ..models import (
    ClassType,
    EnrollmentRole,
    OrgType,
    Role,
    SessionType,
    UserRole,
)


class OrgInput(BaseInput):
    name = text(required=False)
    type = ChoiceOrExtension(choices=OrgType.values, required=False)
    identifier = optional_text()
    parent = RefField(required=False, allow_null=True)


class AcademicSessionInput(BaseInput):
    title = text(required=False)
    type = ChoiceOrExtension(choices=SessionType.values, required=False)
    startDate = LenientDateField(required=False)
    endDate = LenientDateField(required=False)
    schoolYear = serializers.CharField(max_length=8, required=False)
    parent = RefField(required=False, allow_null=True)
    org = RefField(required=False, allow_null=True)
    school = RefField(required=False, allow_null=True)

    def validate(self, attrs):
        start, end = attrs.get("startDate"), attrs.get("endDate")
        if start and end and end < start:
            raise serializers.ValidationError({"endDate": "must not be before startDate."})
        return attrs


class RoleInput(serializers.Serializer):
    roleType = serializers.ChoiceField(choices=UserRole.RoleType.values, required=False)
    role = ChoiceOrExtension(choices=Role.values)
    org = RefField()
    userProfile = optional_text()
    beginDate = LenientDateField(required=False, allow_null=True)
    endDate = LenientDateField(required=False, allow_null=True)


class UserIdInput(serializers.Serializer):
    type = serializers.CharField(max_length=MAX_TEXT)
    identifier = serializers.CharField(max_length=MAX_TEXT)


class UserInput(BaseInput):
    username = optional_text()
    userMasterIdentifier = optional_text()
    userIds = UserIdInput(many=True, required=False)
    enabledUser = serializers.BooleanField(required=False)
    givenName = text(required=False)
    familyName = text(required=False)
    middleName = optional_text()
    preferredFirstName = optional_text()
    preferredMiddleName = optional_text()
    preferredLastName = optional_text()
    pronouns = optional_text()
    roles = RoleInput(many=True, required=False, max_length=100)
    userProfiles = serializers.ListField(
        child=serializers.DictField(), required=False, max_length=50
    )
    primaryOrg = RefField(required=False, allow_null=True)
    identifier = optional_text()
    email = serializers.EmailField(
        required=False, allow_blank=True, allow_null=True, max_length=254
    )
    sms = optional_text()
    phone = optional_text()
    agents = serializers.ListField(child=RefField(), required=False, max_length=100)
    grades = string_list()
    password = serializers.CharField(
        required=False, allow_null=True, max_length=128, write_only=True
    )


class CourseInput(BaseInput):
    title = text(required=False)
    courseCode = optional_text()
    grades = string_list()
    subjects = string_list()
    subjectCodes = string_list()
    org = RefField(required=False, allow_null=True)
    schoolYear = RefField(required=False, allow_null=True)


class ClassInput(BaseInput):
    title = text(required=False)
    classCode = optional_text()
    classType = ChoiceOrExtension(choices=ClassType.values, required=False)
    location = optional_text()
    grades = string_list()
    subjects = string_list()
    subjectCodes = string_list()
    periods = string_list()
    course = RefField(required=False)
    school = RefField(required=False)
    org = RefField(required=False)
    terms = serializers.ListField(child=RefField(), required=False, max_length=50)


class EnrollmentInput(BaseInput):
    user = RefField(required=False)
    # "class" is a Python keyword: declared below under its JSON name.
    school = RefField(required=False, allow_null=True)
    role = ChoiceOrExtension(choices=EnrollmentRole.values, required=False)
    primary = serializers.BooleanField(required=False)
    beginDate = LenientDateField(required=False, allow_null=True)
    endDate = LenientDateField(required=False, allow_null=True)


EnrollmentInput._declared_fields["class"] = RefField(required=False)


class DemographicsInput(BaseInput):
    birthDate = LenientDateField(required=False, allow_null=True)
    sex = optional_text()
    americanIndianOrAlaskaNative = serializers.BooleanField(required=False, allow_null=True)
    asian = serializers.BooleanField(required=False, allow_null=True)
    blackOrAfricanAmerican = serializers.BooleanField(required=False, allow_null=True)
    nativeHawaiianOrOtherPacificIslander = serializers.BooleanField(required=False, allow_null=True)
    white = serializers.BooleanField(required=False, allow_null=True)
    demographicRaceTwoOrMoreRaces = serializers.BooleanField(required=False, allow_null=True)
    hispanicOrLatinoEthnicity = serializers.BooleanField(required=False, allow_null=True)
    countryOfBirthCode = serializers.CharField(max_length=8, required=False, allow_blank=True)
    stateOfBirthAbbreviation = serializers.CharField(max_length=8, required=False, allow_blank=True)
    cityOfBirth = optional_text()
    publicSchoolResidenceStatus = optional_text()


class CourseComponentInput(BaseInput):
    title = text(required=False)
    course = RefField(required=False)
    parent = RefField(required=False, allow_null=True)
    courseComponent = RefField(required=False, allow_null=True)
    unit = RefField(required=False, allow_null=True)
    sortOrder = serializers.FloatField(required=False, min_value=-(2**31), max_value=2**31 - 1)
    prerequisites = string_list()
    prerequisiteCriteria = serializers.CharField(
        max_length=64, required=False, allow_null=True, allow_blank=True
    )
    unlockDate = LenientDateTimeField(required=False, allow_null=True)
    learningStandards = string_list()


class ComponentResourceInput(BaseInput):
    courseComponent = RefField(required=False)
    resource = RefField(required=False)
    title = optional_text()
    sortOrder = serializers.FloatField(required=False, min_value=-(2**31), max_value=2**31 - 1)


class ResourceInput(BaseInput):
    title = optional_text()
    vendorResourceId = text(required=False)
    vendorId = optional_text()
    applicationId = optional_text()
    roles = string_list()
    importance = serializers.ChoiceField(
        choices=["primary", "secondary"], required=False, allow_blank=True
    )
    lesson = RefField(required=False)
    lessons = serializers.ListField(child=RefField(), required=False, max_length=100)


class EnrollmentForClassInput(serializers.Serializer):
    """POST /classes/{id}/students|teachers: enrol a user in the class."""

    sourcedId = serializers.CharField(max_length=MAX_TEXT, required=False)
    user = RefField()
    primary = serializers.BooleanField(required=False)
    beginDate = LenientDateField(required=False, allow_null=True)
    endDate = LenientDateField(required=False, allow_null=True)
    metadata = serializers.DictField(required=False, allow_null=True)
