"""Factories for the roster every test builds on (factory-boy).

Rows are written through `rostering.services` and `rostering.partners`, the writers the
OneRoster API, the CSV import and the Partner API call, so a factory-made school is the
school those surfaces would have made (same defaults, same agent links, same hashed client
secrets). Every argument has a default, so a test names only what it is about:

    school = SchoolFactory()
    ada = StudentFactory(sourced_id="ada", org=school)
    EnrollmentFactory(user=ada, klass=ClassFactory(school=school))

`tests/world.py` uses these to build the one example school; a test that needs one more
person or course adds it with a factory.
"""

import base64
from datetime import date

import factory
from django.contrib.auth.hashers import make_password
from factory.django import DjangoModelFactory
from rest_framework.test import APIClient

from rostering import partners, services
from rostering.models import (
    AcademicSession,
    Class,
    ComponentKind,
    Course,
    CourseComponent,
    Demographics,
    Enrollment,
    Org,
    PartnerApp,
    Resource,
    User,
)
from rostering.services import RoleAssignment

PASSWORD = "correct horse battery staple"


# --------------------------------------------------------------------------- OAuth2 clients


def obtain_token(client_id: str, secret: str, scope: str | None = None) -> str:
    """A token from the real token endpoint, as a partner's server would get it."""
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    data = {"grant_type": "client_credentials"}
    if scope:
        data["scope"] = scope
    response = APIClient().post(
        "/auth/1.0/token", data, format="multipart", HTTP_AUTHORIZATION=f"Basic {basic}"
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


class PartnerClient(APIClient):
    """An API client carrying a partner app's bearer token; JSON by default."""

    def __init__(self, app, token, **kwargs):
        super().__init__(**kwargs)
        self.app = app
        self.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    def generic(self, method, path, data="", content_type="application/json", **extra):
        return super().generic(method, path, data, content_type, **extra)

    def put_json(self, path, body):
        return self.put(path, body, format="json")

    def post_json(self, path, body):
        return self.post(path, body, format="json")


def new_token(app, *, scopes=None, scope_request=None) -> str:
    """A token of a new client of `app`, granted `scopes` (default: a learning app's)."""
    client, secret = partners.issue_client_credentials(app=app, scopes=scopes)
    return obtain_token(client.id, secret, scope_request)


def new_partner(
    name="Partner A", *, sandbox=False, roster_source=False, scopes=None, scope_request=None
) -> PartnerClient:
    """A partner app with one OAuth2 client and a real token (for fixtures of any scope)."""
    app = PartnerAppFactory(name=name, sandbox=sandbox, roster_source=roster_source, client=False)
    return PartnerClient(app, new_token(app, scopes=scopes, scope_request=scope_request))


def api_of(app: PartnerApp, *, scopes=None) -> PartnerClient:
    """A client of the API acting as `app`, with a token of a new OAuth2 client of it."""
    return PartnerClient(app, new_token(app, scopes=scopes))


# --------------------------------------------------------------------------- roster


class OrgFactory(DjangoModelFactory):
    class Meta:
        model = Org

    sourced_id = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"School {n}")
    type = "school"
    parent = None

    @classmethod
    def _create(cls, model_class, *, sourced_id, **fields):
        return services.upsert_org(sourced_id=sourced_id, **fields)[0]


class SchoolFactory(OrgFactory):
    type = "school"


class DistrictFactory(OrgFactory):
    sourced_id = factory.Sequence(lambda n: f"district-{n}")
    name = factory.Sequence(lambda n: f"District {n}")
    type = "district"


class AcademicSessionFactory(DjangoModelFactory):
    """A term of the 2026–27 school year unless told otherwise."""

    class Meta:
        model = AcademicSession

    sourced_id = factory.Sequence(lambda n: f"term-{n}")
    title = "Fall"
    type = "term"
    school_year = "2027"
    start_date = date(2026, 8, 1)
    end_date = date(2027, 1, 31)
    org = None
    parent = None

    @classmethod
    def _create(cls, model_class, *, sourced_id, **fields):
        return services.upsert_academic_session(sourced_id=sourced_id, **fields)[0]


class UserFactory(DjangoModelFactory):
    """A person; with `role` (and `org`, a new school by default) they hold that role there.
    Their username is their sourcedId and they sign in with PASSWORD (None: cannot sign in)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    class Params:
        role = None
        org = factory.Maybe("role", yes_declaration=factory.SubFactory(SchoolFactory))

    sourced_id = factory.Sequence(lambda n: f"user-{n}")
    username = factory.LazyAttribute(lambda o: o.sourced_id)
    first_name = factory.LazyAttribute(lambda o: o.sourced_id.title())
    last_name = "Example"
    email = ""
    password = PASSWORD
    roles = factory.LazyAttribute(
        lambda o: [RoleAssignment(org=o.org, role=o.role)] if o.role else []
    )

    @classmethod
    def _create(cls, model_class, *, sourced_id, **fields):
        return services.upsert_user(sourced_id=sourced_id, **fields)[0]

    @classmethod
    def _build(cls, model_class, *, roles, password, **fields):
        user = model_class(**fields)
        user.password = make_password(password)
        return user


class StudentFactory(UserFactory):
    sourced_id = factory.Sequence(lambda n: f"student-{n}")

    class Params:
        role = "student"


class GuideFactory(UserFactory):
    """A guide is a teacher in OneRoster terms."""

    sourced_id = factory.Sequence(lambda n: f"guide-{n}")

    class Params:
        role = "teacher"


class GuardianFactory(UserFactory):
    """A guardian of `of` (a list of students), linked both ways as OneRoster agents."""

    sourced_id = factory.Sequence(lambda n: f"guardian-{n}")

    class Params:
        role = "guardian"

    @factory.post_generation
    def of(self, create, students, **kwargs):
        for student in students or ():
            services.link_agent(student=student, agent=self)


class DemographicsFactory(DjangoModelFactory):
    class Meta:
        model = Demographics

    user = factory.SubFactory(StudentFactory)
    sourced_id = factory.LazyAttribute(lambda o: o.user.sourced_id)

    @classmethod
    def _create(cls, model_class, *, sourced_id, **fields):
        return services.upsert_demographics(sourced_id=sourced_id, **fields)[0]


# --------------------------------------------------------------------------- partner apps


class PartnerAppFactory(DjangoModelFactory):
    """A partner app (rostering.partners); unless `client=None`, with one OAuth2 client of
    a learning app's scopes (or `client__scopes`; `client=False`: none), kept on the app as `app.oauth_client`
    and its clear-text secret as `app.client_secret` for the test to sign in with."""

    class Meta:
        model = PartnerApp
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"App {n}")
    sandbox = False
    roster_source = False
    owner = None

    @classmethod
    def _create(cls, model_class, *, roster_source, **fields):
        app = partners.create_partner_app(**fields)
        if roster_source:
            app.roster_source = True
            app.save(update_fields=["roster_source"])
        return app

    @factory.post_generation
    def client(self, create, extracted, scopes=None, redirect_uris=None):
        if not create or extracted is False:
            return
        self.oauth_client, self.client_secret = partners.issue_client_credentials(
            app=self, scopes=scopes, redirect_uris=redirect_uris
        )


class CourseFactory(DjangoModelFactory):
    class Meta:
        model = Course

    sourced_id = factory.Sequence(lambda n: f"course-{n}")
    title = factory.LazyAttribute(lambda o: o.sourced_id.title())
    org = None
    partner_app = None
    metadata = factory.Dict({})

    @classmethod
    def _create(cls, model_class, *, sourced_id, **fields):
        return services.upsert_course(sourced_id=sourced_id, **fields)[0]


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = CourseComponent

    sourced_id = factory.Sequence(lambda n: f"unit-{n}")
    title = factory.Sequence(lambda n: f"Unit {n}")
    course = factory.SubFactory(CourseFactory)
    parent = None
    kind = ComponentKind.UNIT
    sort_order = 0

    @classmethod
    def _create(cls, model_class, *, sourced_id, **fields):
        return services.upsert_course_component(sourced_id=sourced_id, **fields)[0]


class LessonFactory(UnitFactory):
    """A lesson, in a new unit of its course unless given `parent` (or `parent=None`)."""

    sourced_id = factory.Sequence(lambda n: f"lesson-{n}")
    title = factory.Sequence(lambda n: f"Lesson {n}")
    parent = factory.SubFactory(UnitFactory, course=factory.SelfAttribute("..course"))
    kind = ComponentKind.LESSON


class ResourceFactory(DjangoModelFactory):
    """A resource, linked to the `lessons` given."""

    class Meta:
        model = Resource

    sourced_id = factory.Sequence(lambda n: f"resource-{n}")
    title = "Video"
    vendor_resource_id = factory.LazyAttribute(lambda o: o.sourced_id)
    partner_app = None
    lessons = factory.List([])

    @classmethod
    def _create(cls, model_class, *, sourced_id, **fields):
        return services.upsert_resource(sourced_id=sourced_id, **fields)[0]


class ClassFactory(DjangoModelFactory):
    class Meta:
        model = Class

    sourced_id = factory.Sequence(lambda n: f"class-{n}")
    title = factory.LazyAttribute(lambda o: f"{o.course.title} class")
    course = factory.SubFactory(CourseFactory)
    school = factory.SubFactory(SchoolFactory)
    terms = None

    @classmethod
    def _create(cls, model_class, *, sourced_id, **fields):
        return services.upsert_class(sourced_id=sourced_id, **fields)[0]


class EnrollmentFactory(DjangoModelFactory):
    """`user` enrolled in `klass` as `role` (student by default), at the class's school."""

    class Meta:
        model = Enrollment

    user = factory.SubFactory(StudentFactory)
    klass = factory.SubFactory(ClassFactory)
    role = "student"
    sourced_id = factory.LazyAttribute(lambda o: f"{o.klass.sourced_id}:{o.user.sourced_id}")

    @classmethod
    def _create(cls, model_class, *, sourced_id, **fields):
        return services.upsert_enrollment(sourced_id=sourced_id, **fields)[0]
