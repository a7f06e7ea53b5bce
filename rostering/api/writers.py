"""From a validated request body to a service call: resolve references, check who may
write (rostering.access), insist on the fields a new object needs, then upsert.

Every writer takes (sourced_id, data, app, existing) and answers (obj, created).
"""

from django.utils import timezone
from rest_framework.exceptions import ValidationError

from core.api.writers import (
    common_fields,
    copy_fields,
    lookup,
    lookup_many,
    optional_ref,
    require_for_create,
)

from .. import access, services
from ..models import (
    SANDBOX_ORG_SOURCED_ID,
    AcademicSession,
    Class,
    ComponentKind,
    Course,
    CourseComponent,
    Org,
    Resource,
    User,
    UserRole,
)
from ..services import RoleAssignment

# --- orgs and academic sessions: the school's own structure ---


def write_org(*, sourced_id, data, app, existing):
    access.require_roster_source(app, "orgs")
    require_for_create(existing, data, ["name", "type"])
    fields = {
        **common_fields(data),
        **copy_fields(data, {"name": "name", "type": "type", "identifier": "identifier"}),
    }
    fields.update(optional_ref(data, "parent", Org))
    return services.upsert_org(sourced_id=sourced_id, **fields)


def write_academic_session(*, sourced_id, data, app, existing):
    # A sandbox app may scaffold terms and grading periods inside the sandbox org (the
    # official client needs a term for every class); checked before any lookup.
    access.require_may_scaffold(app)
    require_for_create(existing, data, ["title", "type", "startDate", "endDate", "schoolYear"])
    fields = {
        **common_fields(data),
        **copy_fields(
            data,
            {
                "title": "title",
                "type": "type",
                "startDate": "start_date",
                "endDate": "end_date",
                "schoolYear": "school_year",
            },
        ),
    }
    fields.update(optional_ref(data, "parent", AcademicSession))
    if "org" in data or "school" in data:
        org_id = data.get("org") or data.get("school")
        fields["org"] = lookup(Org, org_id, "org") if org_id else None
    if not access.can_write_roster_anywhere(app):
        _check_sandbox_session(app, existing, fields)
    if existing is not None:
        start = fields.get("start_date", existing.start_date)
        end = fields.get("end_date", existing.end_date)
        if end < start:
            raise ValidationError({"endDate": "must not be before startDate."})
    return services.upsert_academic_session(sourced_id=sourced_id, **fields)


def _check_sandbox_session(app, existing, fields):
    """A sandbox app's session sits in the sandbox org (a new one naming no org is put
    there), and so do the session it changes and its parent."""
    if existing is None and fields.get("org") is None:
        fields["org"] = Org.objects.get(sourced_id=SANDBOX_ORG_SOURCED_ID)
    sessions = [s for s in (existing, fields.get("parent")) if s is not None]
    orgs = [o for o in [fields.get("org"), *(s.org for s in sessions)] if o is not None]
    if any(s.org_id is None for s in sessions) or ("org" in fields and fields["org"] is None):
        orgs.append(Org(sourced_id="no org"))
    access.require_sandbox_scaffolding(app, orgs)


# --- people: the school rosters them; sandbox apps may scaffold test users ---

USER_TEXT = {
    "username": "username",
    "userMasterIdentifier": "user_master_identifier",
    "givenName": "first_name",
    "familyName": "last_name",
    "middleName": "middle_name",
    "preferredFirstName": "preferred_first_name",
    "preferredMiddleName": "preferred_middle_name",
    "preferredLastName": "preferred_last_name",
    "pronouns": "pronouns",
    "identifier": "identifier",
    "email": "email",
    "sms": "sms",
    "phone": "phone",
    "enabledUser": "enabled_user",
    "grades": "grades",
    "userProfiles": "user_profiles",
}


def write_user(*, sourced_id, data, app, existing):
    require_for_create(existing, data, ["givenName", "familyName", "roles"])
    fields = {**common_fields(data), **copy_fields(data, USER_TEXT)}
    if "userIds" in data:
        fields["user_ids"] = [dict(u) for u in data["userIds"]]
    fields.update(optional_ref(data, "primaryOrg", Org, "primary_org"))
    roles = _role_assignments(data["roles"]) if "roles" in data else None
    agents = lookup_many(User, data["agents"], "agents") if "agents" in data else None
    _check_user_write(app, existing, roles, fields.get("primary_org"), agents)
    if existing is None and not access.can_write_roster_anywhere(app):
        fields["scaffolded_by"] = app  # a sandbox app's test person: its own to change
    if fields.get("username") and _username_taken(fields["username"], sourced_id):
        raise ValidationError(
            {"username": f"'{fields['username']}' is already used by another user."}
        )
    return services.upsert_user(
        sourced_id=sourced_id,
        roles=roles,
        agents=agents,
        password=data.get("password") or None,
        **fields,
    )


def _role_assignments(roles: list[dict]) -> list[RoleAssignment]:
    orgs = {o.sourced_id: o for o in lookup_many(Org, [r["org"] for r in roles], "roles.org")}
    return [
        RoleAssignment(
            org=orgs[r["org"]],
            role=r["role"],
            role_type=r.get("roleType") or UserRole.RoleType.PRIMARY,
            user_profile=r.get("userProfile") or "",
            begin_date=r.get("beginDate"),
            end_date=r.get("endDate"),
        )
        for r in roles
    ]


def _check_user_write(app, existing, roles, primary_org, agents=None):
    orgs = [r.org for r in roles or []]
    if primary_org is not None:
        orgs.append(primary_org)
    if existing is not None:
        orgs += access.sandbox_orgs_of_user(existing)
    # An agent link reaches the other user too (as PUT /students/{id}/agents/{id} does).
    for agent in agents or []:
        orgs += access.sandbox_orgs_of_user(agent)
    access.require_sandbox_scaffolding(app, orgs)
    for person in [existing, *(agents or [])]:
        if person is not None:
            access.require_own_test_person(app, person)


def _username_taken(username, sourced_id) -> bool:
    return User.objects.filter(username=username).exclude(sourced_id=sourced_id).exists()


def link_agent(*, student: User, agent: User, app) -> bool:
    orgs = access.sandbox_orgs_of_user(student) + access.sandbox_orgs_of_user(agent)
    access.require_sandbox_scaffolding(app, orgs)
    access.require_own_test_person(app, student)
    access.require_own_test_person(app, agent)
    return services.link_agent(student=student, agent=agent)


# --- courses and their structure: owned by the app that publishes them ---

COURSE_TEXT = {
    "title": "title",
    "courseCode": "course_code",
    "grades": "grades",
    "subjects": "subjects",
    "subjectCodes": "subject_codes",
}


def write_course(*, sourced_id, data, app, existing):
    access.require_course_owner(app, existing)
    require_for_create(existing, data, ["title"])
    fields = {**common_fields(data), **copy_fields(data, COURSE_TEXT)}
    fields.update(optional_ref(data, "org", Org))
    fields.update(optional_ref(data, "schoolYear", AcademicSession, "school_year"))
    if existing is None and app is not None and not app.roster_source:
        fields["partner_app"] = app
    return services.upsert_course(sourced_id=sourced_id, **fields)


def write_course_component(*, sourced_id, data, app, existing, kind=None):
    """Units and lessons, from `courses/components` or the Partner `units`/`lessons` PUTs."""
    parent_field = next((k for k in ("unit", "parent", "courseComponent") if data.get(k)), None)
    parent_id = data[parent_field] if parent_field else None
    parent = lookup(CourseComponent, parent_id, parent_field) if parent_id else None
    course = _component_course(data, parent, existing)
    access.require_course_owner(app, course)
    if existing is not None:
        access.require_course_owner(app, existing.course)
    require_for_create(existing, {**data, "course": course}, ["title", "course"])
    if kind == ComponentKind.LESSON and existing is None and parent is None:
        raise ValidationError({"unit": "a lesson names the unit it belongs to."})
    _check_parent(parent, course)
    fields = {
        **common_fields(data),
        **copy_fields(data, {"title": "title", "prerequisites": "prerequisites"}),
    }
    fields["course"] = course
    if parent_id or any(k in data for k in ("unit", "parent", "courseComponent")):
        fields["parent"] = parent
    if "sortOrder" in data:
        fields["sort_order"] = int(data["sortOrder"])
    if "prerequisiteCriteria" in data:
        fields["prerequisite_criteria"] = data["prerequisiteCriteria"] or ""
    if "unlockDate" in data:
        fields["unlock_date"] = data["unlockDate"]
    elif existing is None:
        fields["unlock_date"] = timezone.now()
    standards = data.get("learningStandards", (data.get("metadata") or {}).get("learningStandards"))
    if standards is not None:
        fields["learning_standards"] = [str(s) for s in standards][:200]
    declared = (data.get("metadata") or {}).get("componentType")
    kind = kind or (declared if declared in ComponentKind.values else None)
    return services.upsert_course_component(sourced_id=sourced_id, kind=kind, **fields)


def _component_course(data, parent, existing) -> Course | None:
    if data.get("course"):
        course = lookup(Course, data["course"], "course")
    elif parent is not None:
        course = parent.course
    else:
        course = existing.course if existing is not None else None
    if existing is not None and course is not None and course.pk != existing.course_id:
        raise ValidationError({"course": "a unit or lesson cannot move to another course."})
    return course


def _check_parent(parent, course):
    if parent is None:
        return
    if course is not None and parent.course_id != course.pk:
        raise ValidationError({"parent": f"'{parent.sourced_id}' belongs to another course."})


def write_component_resource(*, sourced_id, data, app, existing):
    require_for_create(existing, data, ["courseComponent", "resource"])
    fields = {**common_fields(data)}
    if "courseComponent" in data:
        fields["course_component"] = lookup(
            CourseComponent, data["courseComponent"], "courseComponent"
        )
        access.require_course_owner(app, fields["course_component"].course)
    if existing is not None:
        access.require_course_owner(app, existing.course_component.course)
    if "resource" in data:
        fields["resource"] = lookup(Resource, data["resource"], "resource")
    if "title" in data:
        fields["title"] = data["title"] or ""
    if "sortOrder" in data:
        fields["sort_order"] = int(data["sortOrder"])
    return services.upsert_component_resource(sourced_id=sourced_id, **fields)


def write_resource(*, sourced_id, data, app, existing):
    require_for_create(existing, data, ["vendorResourceId"])
    access.require_resource_owner(app, existing)
    fields = {
        **common_fields(data),
        **copy_fields(
            data,
            {
                "title": "title",
                "vendorResourceId": "vendor_resource_id",
                "vendorId": "vendor_id",
                "applicationId": "application_id",
                "roles": "roles",
                "importance": "importance",
            },
        ),
    }
    if existing is None and app is not None and not app.roster_source:
        fields["partner_app"] = app
    lesson_ids = list(data.get("lessons") or []) + ([data["lesson"]] if data.get("lesson") else [])
    lessons = lookup_many(CourseComponent, lesson_ids, "lessons") if lesson_ids else []
    for lesson in lessons:
        access.require_course_owner(app, lesson.course)
    return services.upsert_resource(sourced_id=sourced_id, lessons=lessons, **fields)


# --- classes and enrollments: the school's; sandbox apps may scaffold test classes ---

CLASS_TEXT = {
    "title": "title",
    "classCode": "class_code",
    "classType": "class_type",
    "location": "location",
    "grades": "grades",
    "subjects": "subjects",
    "subjectCodes": "subject_codes",
    "periods": "periods",
}


def write_class(*, sourced_id, data, app, existing):
    school_id = data.get("school") or data.get("org")
    require_for_create(existing, {**data, "school": school_id}, ["title", "course", "school"])
    fields = {**common_fields(data), **copy_fields(data, CLASS_TEXT)}
    if "course" in data:
        fields["course"] = lookup(Course, data["course"], "course")
    if school_id:
        fields["school"] = lookup(Org, school_id, "school")
    terms = lookup_many(AcademicSession, data["terms"], "terms") if "terms" in data else None
    school = fields.get("school")
    if existing is None and not terms and school and school.sourced_id == SANDBOX_ORG_SOURCED_ID:
        terms = [services.sandbox_term()]  # a sandbox class naming no term gets the current one
    orgs = [
        o for o in (fields.get("school"), existing.school if existing else None) if o is not None
    ]
    access.require_sandbox_scaffolding(app, orgs)
    if not access.can_write_roster_anywhere(app):
        access.require_course_owner(app, fields.get("course") or existing.course)
    return services.upsert_class(sourced_id=sourced_id, terms=terms, **fields)


def write_enrollment(*, sourced_id, data, app, existing):
    require_for_create(existing, data, ["user", "class", "role"])
    fields = {**common_fields(data), **copy_fields(data, {"role": "role", "primary": "primary"})}
    fields.update(copy_fields(data, {"beginDate": "begin_date", "endDate": "end_date"}))
    for name in ("begin_date", "end_date"):
        if fields.get(name) == "":
            fields[name] = None
    if "user" in data:
        fields["user"] = lookup(User, data["user"], "user")
    if "class" in data:
        fields["klass"] = lookup(Class, data["class"], "class")
    if data.get("school"):
        fields["school"] = lookup(Org, data["school"], "school")
    elif "klass" in fields:
        fields["school"] = fields["klass"].school
    _check_enrollment_write(app, existing, fields)
    return services.upsert_enrollment(sourced_id=sourced_id, **fields)


def _check_enrollment_write(app, existing, fields):
    if access.can_write_roster_anywhere(app):
        return
    klass = fields.get("klass") or existing.klass
    user = fields.get("user") or existing.user
    orgs = [klass.school, *access.sandbox_orgs_of_user(user)]
    if existing is not None:
        orgs.append(existing.klass.school)
    access.require_sandbox_scaffolding(app, orgs)
    access.require_course_owner(app, klass.course)
    if existing is not None:
        access.require_course_owner(app, existing.klass.course)


def write_demographics(*, sourced_id, data, app, existing):
    access.require_roster_source(app, "demographics")
    user = lookup(User, sourced_id, "sourcedId")
    mapping = {
        "birthDate": "birth_date",
        "sex": "sex",
        "americanIndianOrAlaskaNative": "american_indian_or_alaska_native",
        "asian": "asian",
        "blackOrAfricanAmerican": "black_or_african_american",
        "nativeHawaiianOrOtherPacificIslander": "native_hawaiian_or_other_pacific_islander",
        "white": "white",
        "demographicRaceTwoOrMoreRaces": "demographic_race_two_or_more_races",
        "hispanicOrLatinoEthnicity": "hispanic_or_latino_ethnicity",
        "countryOfBirthCode": "country_of_birth_code",
        "stateOfBirthAbbreviation": "state_of_birth_abbreviation",
        "cityOfBirth": "city_of_birth",
        "publicSchoolResidenceStatus": "public_school_residence_status",
    }
    fields = {**common_fields(data), "user": user}
    for json_name, model_name in mapping.items():
        if json_name in data:
            value = data[json_name]
            fields[model_name] = (
                ""
                if value is None
                and model_name in ("sex", "city_of_birth", "public_school_residence_status")
                else value
            )
    return services.upsert_demographics(sourced_id=sourced_id, **fields)


# --- deletes (soft) follow the same ownership rules as writes ---


def may_delete(app, obj) -> None:
    if isinstance(obj, AcademicSession) and not access.can_write_roster_anywhere(app):
        access.require_sandbox_scaffolding(app, [obj.org or Org(sourced_id="no org")])
    elif isinstance(obj, (Org, AcademicSession)) or obj._meta.model_name == "demographics":
        access.require_roster_source(app, obj._meta.verbose_name_plural)
    elif isinstance(obj, User):
        access.require_sandbox_scaffolding(app, access.sandbox_orgs_of_user(obj))
        access.require_own_test_person(app, obj)
    elif isinstance(obj, Class):
        access.require_sandbox_scaffolding(app, [obj.school])
        access.require_course_owner(app, obj.course)
    elif obj._meta.model_name == "enrollment":
        access.require_sandbox_scaffolding(app, [obj.klass.school])
        access.require_course_owner(app, obj.klass.course)
    elif isinstance(obj, Course):
        access.require_course_owner(app, obj)
    elif isinstance(obj, CourseComponent):
        access.require_course_owner(app, obj.course)
    elif obj._meta.model_name == "componentresource":
        access.require_course_owner(app, obj.course_component.course)
    elif isinstance(obj, Resource):
        access.require_resource_owner(app, obj)
