"""Model → OneRoster JSON. Shapes follow the official 1EdTech 1.2 object schemas
(`additionalProperties: false`, so nothing of ours is added outside `metadata`), with
Timeback's extensions for course components. Optional text left empty is omitted.

Representers read only what the resource's queryset already selected or prefetched, so a
page of any size costs the same number of queries.
"""

from core.api.representations import Refs, base, boolean, day, put_optional, timestamp


def org(obj, ref: Refs) -> dict:
    data = base(obj)
    data.update(name=obj.name, type=obj.type, identifier=obj.identifier)
    put_optional(data, parent=ref("org", obj.parent.sourced_id) if obj.parent_id else None)
    data["children"] = [ref("org", c.sourced_id) for c in obj.children.all()]
    # The school's days are local days of this zone (docs/dashboards.md), read back where
    # OneRoster lets an org carry it.
    school = {"timezone": obj.timezone}
    if obj.holidays:
        school["holidays"] = obj.holidays
    data["metadata"] = {**data["metadata"], **school}
    return data


def academic_session(obj, ref: Refs) -> dict:
    data = base(obj)
    data.update(
        title=obj.title,
        type=obj.type,
        startDate=day(obj.start_date),
        endDate=day(obj.end_date),
        schoolYear=obj.school_year,
    )
    put_optional(
        data, parent=ref("academicSession", obj.parent.sourced_id) if obj.parent_id else None
    )
    data["children"] = [ref("academicSession", c.sourced_id) for c in obj.children.all()]
    if obj.org_id:
        data["metadata"] = {**data["metadata"], "org": obj.org.sourced_id}
    return data


def user(obj, ref: Refs) -> dict:
    data = base(obj)
    data.update(username=obj.username, enabledUser=boolean(obj.enabled_user))
    data.update(givenName=obj.first_name, familyName=obj.last_name)
    put_optional(
        data,
        userMasterIdentifier=obj.user_master_identifier,
        middleName=obj.middle_name,
        preferredFirstName=obj.preferred_first_name,
        preferredMiddleName=obj.preferred_middle_name,
        preferredLastName=obj.preferred_last_name,
        pronouns=obj.pronouns,
        identifier=obj.identifier,
        email=obj.email,
        sms=obj.sms,
        phone=obj.phone,
    )
    data["userIds"] = obj.user_ids or []
    data["roles"] = [_role(r, ref) for r in obj.roles.all()]
    if obj.user_profiles:
        data["userProfiles"] = obj.user_profiles
    put_optional(
        data, primaryOrg=ref("org", obj.primary_org.sourced_id) if obj.primary_org_id else None
    )
    data["agents"] = [ref("user", a.sourced_id) for a in obj.agents.all()]
    data["grades"] = obj.grades or []
    return data


def _role(role, ref: Refs) -> dict:
    data = {"roleType": role.role_type, "role": role.role, "org": ref("org", role.org.sourced_id)}
    return put_optional(
        data,
        userProfile=role.user_profile,
        beginDate=day(role.begin_date),
        endDate=day(role.end_date),
    )


def course(obj, ref: Refs) -> dict:
    data = base(obj)
    data.update(title=obj.title, courseCode=obj.course_code)
    put_optional(
        data,
        schoolYear=ref("academicSession", obj.school_year.sourced_id)
        if obj.school_year_id
        else None,
        org=ref("org", obj.org.sourced_id) if obj.org_id else None,
    )
    data.update(
        grades=obj.grades or [], subjects=obj.subjects or [], subjectCodes=obj.subject_codes or []
    )
    return data


def klass(obj, ref: Refs) -> dict:
    data = base(obj)
    data.update(title=obj.title, classType=obj.class_type)
    put_optional(data, classCode=obj.class_code, location=obj.location)
    data.update(
        grades=obj.grades or [],
        subjects=obj.subjects or [],
        subjectCodes=obj.subject_codes or [],
        periods=obj.periods or [],
        course=ref("course", obj.course.sourced_id),
        school=ref("org", obj.school.sourced_id),
        terms=[ref("academicSession", t.sourced_id) for t in obj.terms.all()],
    )
    return data


def enrollment(obj, ref: Refs) -> dict:
    data = base(obj)
    data.update(
        user=ref("user", obj.user.sourced_id),
        **{"class": ref("class", obj.klass.sourced_id)},
        school=ref("org", obj.school.sourced_id),
        role=obj.role,
        primary=boolean(obj.primary),
    )
    return put_optional(data, beginDate=day(obj.begin_date), endDate=day(obj.end_date))


def demographics(obj, ref: Refs) -> dict:
    data = base(obj)
    flags = {
        "americanIndianOrAlaskaNative": obj.american_indian_or_alaska_native,
        "asian": obj.asian,
        "blackOrAfricanAmerican": obj.black_or_african_american,
        "nativeHawaiianOrOtherPacificIslander": obj.native_hawaiian_or_other_pacific_islander,
        "white": obj.white,
        "demographicRaceTwoOrMoreRaces": obj.demographic_race_two_or_more_races,
        "hispanicOrLatinoEthnicity": obj.hispanic_or_latino_ethnicity,
    }
    put_optional(data, birthDate=day(obj.birth_date), sex=obj.sex)
    data.update({k: boolean(v) for k, v in flags.items() if v is not None})
    return put_optional(
        data,
        countryOfBirthCode=obj.country_of_birth_code,
        stateOfBirthAbbreviation=obj.state_of_birth_abbreviation,
        cityOfBirth=obj.city_of_birth,
        publicSchoolResidenceStatus=obj.public_school_residence_status,
    )


def course_component(obj, ref: Refs) -> dict:
    data = base(obj)
    data["metadata"] = {**data["metadata"], "componentType": obj.kind}
    parent = {"sourcedId": obj.parent.sourced_id} if obj.parent_id else None
    data.update(
        course={"sourcedId": obj.course.sourced_id},
        courseComponent=parent,
        parent=parent,
        title=obj.title,
        sortOrder=obj.sort_order,
        prerequisites=obj.prerequisites or [],
        prerequisiteCriteria=obj.prerequisite_criteria or None,
        unlockDate=timestamp(obj.unlock_date or obj.date_last_modified),
    )
    if obj.learning_standards:
        data["metadata"]["learningStandards"] = obj.learning_standards
    return data


def component_resource(obj, ref: Refs) -> dict:
    data = base(obj)
    data.update(
        courseComponent={"sourcedId": obj.course_component.sourced_id},
        resource={"sourcedId": obj.resource.sourced_id},
        title=obj.title or obj.resource.title,
        sortOrder=obj.sort_order,
    )
    return data


def resource(obj, ref: Refs) -> dict:
    data = base(obj)
    data.update(vendorResourceId=obj.vendor_resource_id, roles=obj.roles or [])
    return put_optional(
        data,
        title=obj.title,
        importance=obj.importance,
        vendorId=obj.vendor_id,
        applicationId=obj.application_id,
    )
