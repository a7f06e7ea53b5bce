"""The access matrix (docs/access.md): every endpoint × every role → the expected status.

One row per (method, path). Adding an endpoint means adding one row here:
`test_every_route_has_a_row` fails, naming the route, until it has one. Paths may name
`{app_a}`, `{client_a}`, `{challenge}`, `{event_a}`, `{job_a}`, `{session_a}`, ...,
filled in from the world (see `fill`).

Token APIs answer 401 to everyone without a bearer token (browser sessions included; the
logger API, where a student's session acts for the student, is the exception); partner B
gets 404 for anything of partner A's, never sees A's rows in a list (where partner A, the
control, does see them), and reads nothing twin (a student of both) did in A's course; a
token without the scope answers 403.

The world is built once per module (`shared_world`): each test runs in a savepoint of it.
"""

import base64
import hashlib
import json
from dataclasses import dataclass

import pytest
from django.urls import URLResolver, get_resolver, resolve

from core import scopes
from core.api.errors import handler404 as json_not_found
from gradebook import credit

from .conftest import EVENT_A, PEOPLE, REDIRECT_URI_A, ROLES, SENSOR_A


@pytest.fixture
def world(shared_world, db):
    """The module's shared world (built once; each test's writes are rolled back)."""
    shared_world.fresh_clients()
    return shared_world


V1P2 = "/ims/oneroster/rostering/v1p2"
PARTNER = "/rostering/1.0"
GRADEBOOK_V1P2 = "/ims/oneroster/gradebook/v1p2"
GRADEBOOK_PARTNER = "/gradebook/1.0"
NO_TOKEN = {role: 401 for role in ("anonymous", *PEOPLE)}
EMPTY_ENVELOPE = {
    "sensor": "s",
    "sendTime": "2026-11-02T09:00:00Z",
    "dataVersion": "http://purl.imsglobal.org/ctx/caliper/v1p2",
    "data": [],
}
NOVEMBER = "startDate=2026-11-01&endDate=2026-11-30"
OUTCOMES_PEOPLE = {"anonymous": 401, **dict.fromkeys(PEOPLE, 403), "org_admin": 200}


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    expected: dict
    body: dict | None = None

    def __str__(self):
        return f"{self.method} {self.path}"


def api(method, path, a=200, b=404, body=None):
    """A token API: no token 401, then partner A and partner B."""
    return Row(method, path, {**NO_TOKEN, "partner_a": a, "partner_b": b}, body)


def logger(method, path, student=200, others=404, b=404, body=None):
    """The progress-tracking API: a student's browser session acts for the student itself,
    a partner token for a student of its courses; anyone else naming stu-1 finds no one."""
    people = {**dict.fromkeys(PEOPLE, others), "student": student}
    return Row(method, path, {**people, "anonymous": 401, "partner_a": 200, "partner_b": b}, body)


def same_for_all(method, path, status):
    return Row(method, path, dict.fromkeys(ROLES, status))


def page(method, path, anonymous, people, a=None, b=None, **overrides):
    """A browser page: anonymous, every signed-in person, partner A's and B's developers."""
    expected = {"anonymous": anonymous, **dict.fromkeys(PEOPLE, people)}
    expected.update(partner_a=people if a is None else a, partner_b=people if b is None else b)
    return Row(method, path, {**expected, **overrides})


def rostering_rows(base):
    """The rostering API under one prefix (both prefixes serve the same views)."""
    return [
        # Collections: everyone with a token lists, filtered to what they may see.
        *(
            api("GET", f"{base}/{plural}", b=200)
            for plural in (
                "courses/components",
                "courses/component-resources",
                "orgs",
                "schools",
                "academicSessions",
                "terms",
                "gradingPeriods",
                "users",
                "students",
                "teachers",
                "courses",
                "classes",
                "enrollments",
            )
        ),
        # Demographics need their own scope, which learning apps are not granted.
        api("GET", f"{base}/demographics", a=403, b=403),
        api("GET", f"{base}/demographics/stu-1", a=403, b=403),
        # Objects of partner A's course: A reads them, B gets 404.
        api("GET", f"{base}/courses/components/unit-1"),
        api("GET", f"{base}/courses/component-resources/lesson-1:video-1"),
        api("GET", f"{base}/users/stu-1"),
        api("GET", f"{base}/users/stu-3", a=404, b=200),
        api("GET", f"{base}/users/guide-1"),
        api("GET", f"{base}/students/stu-1"),
        api("GET", f"{base}/teachers/guide-1"),
        api("GET", f"{base}/courses/course-1"),
        api("GET", f"{base}/classes/class-1"),
        api("GET", f"{base}/enrollments/class-1:stu-1"),
        # Not personal data: orgs and academic sessions are open to every app.
        api("GET", f"{base}/orgs/school", b=200),
        api("GET", f"{base}/schools/school", b=200),
        api("GET", f"{base}/academicSessions/term-1", b=200),
        api("GET", f"{base}/terms/term-1", b=200),
        api("GET", f"{base}/gradingPeriods/gp-1", b=200),
        # Nested collections: an invisible parent answers 404.
        api("GET", f"{base}/schools/school/classes", b=200),
        api("GET", f"{base}/schools/school/classes/class-1/enrollments"),
        api("GET", f"{base}/schools/school/classes/class-1/students"),
        api("GET", f"{base}/schools/school/classes/class-1/teachers"),
        api("GET", f"{base}/schools/school/courses", b=200),
        api("GET", f"{base}/schools/school/enrollments", b=200),
        api("GET", f"{base}/schools/school/students", b=200),
        api("GET", f"{base}/schools/school/teachers", b=200),
        api("GET", f"{base}/schools/school/terms", b=200),
        api("GET", f"{base}/classes/class-1/students"),
        api("GET", f"{base}/classes/class-1/teachers"),
        api("GET", f"{base}/courses/course-1/classes"),
        api("GET", f"{base}/users/stu-1/classes"),
        api("GET", f"{base}/students/stu-1/classes"),
        api("GET", f"{base}/teachers/guide-1/classes"),
        api("GET", f"{base}/terms/term-1/classes", b=200),
        api("GET", f"{base}/terms/term-1/gradingPeriods", b=200),
    ]


def gradebook_rows(base):
    """The gradebook API under one prefix: partner A's gradebook of class-1 (add_learning)."""
    return [
        *(
            api("GET", f"{base}/{plural}", b=200)
            for plural in (
                "categories",
                "scoreScales",
                "lineItems",
                "results",
                "assessmentLineItems",
                "assessmentResults",
            )
        ),
        api("GET", f"{base}/categories/cat-a"),
        api("GET", f"{base}/scoreScales/scale-a"),
        api("GET", f"{base}/lineItems/li-a"),
        api("GET", f"{base}/results/res-a"),
        api("GET", f"{base}/assessmentLineItems/ali-a"),
        api("GET", f"{base}/assessmentResults/ar-a"),
        # The result the pipeline derived from partner A's graded Caliper event.
        api("GET", f"{base}/assessmentResults/{{event_result_a}}"),
        # Nested reads: a parent partner B may not see answers 404.
        api("GET", f"{base}/classes/class-1/categories"),
        api("GET", f"{base}/classes/class-1/scoreScales"),
        api("GET", f"{base}/classes/class-1/lineItems"),
        api("GET", f"{base}/classes/class-1/lineItems/li-a/results"),
        api("GET", f"{base}/classes/class-1/results"),
        api("GET", f"{base}/classes/class-1/students/stu-1/results"),
        api("GET", f"{base}/classes/class-1/academicSessions/term-1/lineItems"),
        api("GET", f"{base}/classes/class-1/academicSessions/term-1/results"),
        api("GET", f"{base}/lineItems/li-a/results"),
        api("GET", f"{base}/students/stu-1/assessmentResults"),
        # The school is every app's; what lists under it is each app's own.
        api("GET", f"{base}/schools/school/lineItems", b=200),
        api("GET", f"{base}/schools/school/scoreScales", b=200),
    ]


CASE_V1P1 = "/ims/case/v1p1"
CASE_LWAI = "/case/1.1"
# The demo framework of the shared world (tests/fixtures/case-v1p1/synthetic).
CASE_DOCUMENT = "b9b0bb3b-a7e9-57a3-baad-caed3b4e0470"
CASE_ITEM = "0c7ee4fc-8e2b-5436-aff5-f80e1b4405ce"
CASE_ASSOCIATION = "42a09e43-3039-506d-8bdf-9e6f8dce7523"


def case_rows(base):
    """CASE frameworks are public standards: every app reads them; only the school's roster
    source uploads packages, so learning apps are refused (403) before the body is read."""
    reads = (
        "CFDocuments",
        f"CFDocuments/{CASE_DOCUMENT}",
        "CFItems",
        f"CFItems/{CASE_ITEM}",
        f"CFAssociations/{CASE_ASSOCIATION}",
        f"CFPackages/{CASE_DOCUMENT}",
        f"CFPackages/{CASE_DOCUMENT}/groups",
    )
    return [
        *(api("GET", f"{base}/{path}", b=200) for path in reads),
        api("POST", f"{base}/CFPackages", a=403, b=403, body={"CFDocument": {}}),
        api("PUT", f"{base}/CFPackages/{CASE_DOCUMENT}", a=403, b=403, body={"CFDocument": {}}),
    ]


ROWS = [
    *rostering_rows(V1P2),
    *case_rows(CASE_V1P1),
    *case_rows(CASE_LWAI),
    *rostering_rows(PARTNER),
    *gradebook_rows(GRADEBOOK_V1P2),
    *gradebook_rows(GRADEBOOK_PARTNER),
    # Gradebook writes: partner A changes its own class's gradebook; B is refused with the
    # write rule's reason (403), or gets 404 where a parent must first be found.
    api("PUT", f"{GRADEBOOK_V1P2}/lineItems/li-a", b=403, body={"lineItem": {"title": "New"}}),
    api("PUT", f"{GRADEBOOK_V1P2}/results/res-a", b=403, body={"result": {"score": 9}}),
    api(
        "PUT",
        f"{GRADEBOOK_V1P2}/assessmentResults/ar-a",
        b=403,
        body={"assessmentResult": {"score": 80}},
    ),
    api("DELETE", f"{GRADEBOOK_V1P2}/results/res-a", a=204),
    api(
        "POST",
        f"{GRADEBOOK_V1P2}/classes/class-1/lineItems",
        a=201,
        body={
            "lineItem": {
                "title": "Quiz 2",
                "category": "cat-a",
                "assignDate": "2026-11-01T08:00:00Z",
                "dueDate": "2026-11-08T08:00:00Z",
            }
        },
    ),
    # The official clients' Caliper paths: every app sends; reading back finds only its own.
    api("GET", "/caliper/event", b=200),
    api("POST", "/caliper/event", b=200, body=EMPTY_ENVELOPE),
    api("GET", "/caliper/v1p2", b=200),
    api("POST", "/caliper/v1p2", b=200, body=EMPTY_ENVELOPE),
    api("POST", "/caliper/event/validate", b=200, body=EMPTY_ENVELOPE),
    api("GET", "/caliper/events", b=200),
    api("GET", "/caliper/events?actorId=stu-1", b=200),
    api("GET", "/caliper/events/{event_a}"),
    api("GET", "/jobs/{job_a}/status"),
    # Read-back: only the app's own courses and their students; filters naming anything
    # else answer 404.
    api("GET", "/xp/1.0/users/stu-1/entries"),
    api("GET", "/xp/1.0/users/stu-3/entries", a=404, b=200),
    api("GET", "/analytics/1.0/activity", b=200),
    api("GET", "/analytics/1.0/activity?course=course-1"),
    api("GET", "/analytics/1.0/activity?student=stu-1"),
    api("GET", "/analytics/1.0/activity?class=class-1"),
    api("GET", "/insights/1.0/users/stu-1"),
    api("GET", "/insights/1.0/users/stu-3", a=404, b=200),
    # Hole filling: a student's plans, to those who may see the student.
    api("GET", "/analytics/1.0/users/stu-1/remediation"),
    api("GET", "/analytics/1.0/users/stu-3/remediation", a=404, b=200),
    # The closed loop's aggregates: partners read their own apps' rows (B's list is empty;
    # naming A's app answers 404), school administrators every app over their orgs' students
    # (browser session), anyone else signed in 403 (docs/closed-loop.md#the-outcomes-api).
    Row("GET", "/analytics/1.0/outcomes", {**OUTCOMES_PEOPLE, "partner_a": 200, "partner_b": 200}),
    Row(
        "GET",
        "/analytics/1.0/outcomes?app={app_a}",
        {**OUTCOMES_PEOPLE, "partner_a": 200, "partner_b": 404},
    ),
    api("GET", f"{GRADEBOOK_PARTNER}/assessment-results", b=200),
    api("GET", f"{GRADEBOOK_PARTNER}/assessment-results?lesson=lesson-1"),
    # EduBridge, both forms.
    api("GET", "/ims/edubridge/analytics/v1p0/enrollmentFacts", b=200),
    api("GET", "/ims/edubridge/analytics/v1p0/enrollmentFacts?studentId=stu-1"),
    api("GET", "/ims/edubridge/analytics/v1p0/enrollmentFacts?courseId=course-1"),
    api("GET", f"/edubridge/analytics/activity?studentId=stu-1&{NOVEMBER}"),
    api("GET", f"/edubridge/analytics/activity?studentId=stu-3&{NOVEMBER}", a=404, b=200),
    api("GET", f"/edubridge/analytics/activity?email=ada@maple.example&{NOVEMBER}"),
    api("GET", "/edubridge/analytics/enrollment/class-1:stu-1"),
    api("GET", "/edubridge/analytics/facts/weekly?studentId=stu-1&weekDate=2026-11-18"),
    api(
        "GET", "/edubridge/analytics/facts/weekly?studentId=stu-3&weekDate=2026-11-18", a=404, b=200
    ),
    api("GET", "/edubridge/enrollments/user/stu-1"),
    api("GET", "/edubridge/enrollments/user/stu-3", a=404, b=200),
    # twin learns in both partners' classes: B reads about twin, never twin's work in
    # partner A's course (lists checked below, figures in test_partner_b_reads_...).
    api("GET", f"{GRADEBOOK_V1P2}/students/twin/assessmentResults", b=200),
    api("GET", f"{GRADEBOOK_PARTNER}/students/twin/assessmentResults", b=200),
    api("GET", f"{GRADEBOOK_V1P2}/results?filter=student.sourcedId='twin'", b=200),
    api("GET", "/xp/1.0/users/twin/entries", b=200),
    api("GET", "/analytics/1.0/activity?student=twin", b=200),
    api("GET", "/insights/1.0/users/twin", b=200),
    api("GET", f"{GRADEBOOK_PARTNER}/assessment-results?student=twin", b=200),
    api("GET", "/ims/edubridge/analytics/v1p0/enrollmentFacts?studentId=twin", b=200),
    api("GET", f"/edubridge/analytics/activity?studentId=twin&{NOVEMBER}", b=200),
    api("GET", "/edubridge/enrollments/user/twin", b=200),
    api("GET", "/edubridge/analytics/enrollment/class-1:twin"),
    api("GET", "/edubridge/analytics/enrollment/class-2:twin", a=404, b=200),
    # Progress tracking (logger): stu-1's try at lesson-1, started by partner A (add_learning).
    logger(
        "POST",
        "/api/logger/contentsession",
        body={"user_id": "stu-1", "node_id": "lesson-1", "channel_id": "course-1", "kind": "video"},
    ),
    logger(
        "PUT",
        "/api/logger/contentsession/{session_a}",
        body={"user_id": "stu-1", "time_spent_delta": 5},
    ),
    logger("GET", "/api/logger/totalcontentprogress/stu-1"),
    logger("GET", "/api/logger/masterylog?content=lesson-1&user=stu-1"),
    logger("GET", "/api/logger/masterylog/0/diff?content=lesson-1&user=stu-1"),
    logger("GET", "/api/logger/attemptlog?user=stu-1"),
    logger("GET", "/api/logger/totalcontentprogress/twin", student=404, b=200),
    logger("GET", "/api/logger/masterylog?content=lesson-1&user=twin", student=404, b=200),
    logger("GET", "/api/logger/attemptlog?user=twin", student=404, b=200),
    # Without a user: each caller's own attempts (none for anyone but stu-1 and partner A).
    logger("GET", "/api/logger/attemptlog", others=200, b=200),
    # Writes: an app changes its own catalogue; another app's is refused with an explanation
    # (403, the write rule) or, when it must first be found, not found (404).
    api("PUT", f"{V1P2}/courses/course-1", a=200, b=403, body={"course": {"title": "New"}}),
    api("POST", f"{V1P2}/courses", a=201, b=201, body={"course": {"title": "Mine"}}),
    api("DELETE", f"{PARTNER}/lessons/lesson-1", a=204, b=404),
    # Guardian links are sandbox scaffolding: refused to learning apps before any lookup.
    api("PUT", f"{PARTNER}/students/stu-1/agents/guardian-1", a=403, b=403),
    # Resources and the Partner catalogue.
    api("GET", "/ims/oneroster/resources/v1p2/resources", b=200),
    api("GET", "/ims/oneroster/resources/v1p2/resources/video-1"),
    api("GET", "/resources/1.0/resources", b=200),
    api("GET", "/resources/1.0/resources/video-1"),
    *(api("GET", f"{PARTNER}/{plural}", b=200) for plural in ("units", "lessons", "resources")),
    api("GET", f"{PARTNER}/units/unit-1"),
    api("GET", f"{PARTNER}/lessons/lesson-1"),
    api("GET", f"{PARTNER}/resources/video-1"),
    # Caliper: every app may send; events about another app's course are rejected inside
    # the answer (tests/events), not by status.
    api("GET", "/ims/caliper/v1p2/events", b=200),
    api("GET", "/events/1.0", b=200),
    api(
        "POST",
        "/ims/caliper/v1p2/events",
        b=200,
        body={
            "sensor": "s",
            "sendTime": "2026-11-02T09:00:00Z",
            "dataVersion": "http://purl.imsglobal.org/ctx/caliper/v1p2",
            "data": [],
        },
    ),
    api(
        "POST",
        "/events/1.0",
        b=200,
        body={
            "sensor": "s",
            "sendTime": "2026-11-02T09:00:00Z",
            "dataVersion": "http://purl.imsglobal.org/ctx/caliper/v1p2",
            "data": [],
        },
    ),
    # Token endpoints: a request without grant type or client is a bad request.
    same_for_all("POST", "/auth/1.0/token", 400),
    same_for_all("POST", "/oauth2/token", 400),
    same_for_all("POST", "/identity/o/api/token", 400),
    # OpenID Connect provider ("Sign in with Timeback").
    same_for_all("GET", "/.well-known/openid-configuration", 200),
    same_for_all("GET", "/.well-known/jwks.json", 200),
    page(
        "GET",
        "/identity/o/authorize?response_type=code&client_id={client_a}&scope=openid+sourcedid"
        f"&redirect_uri={REDIRECT_URI_A}&code_challenge={{challenge}}&code_challenge_method=S256",
        anonymous=302,
        people=200,
    ),
    # A confidential client may sign in without PKCE (docs/access.md#sign-in-with-timeback).
    page(
        "GET",
        "/identity/o/authorize?response_type=code&client_id={client_a}&scope=openid"
        f"&redirect_uri={REDIRECT_URI_A}",
        anonymous=302,
        people=200,
    ),
    same_for_all(
        "GET",
        "/identity/o/authorize?response_type=code&client_id={client_a}&scope=openid"
        f"&redirect_uri={REDIRECT_URI_A}%3Fnext%3Dx&code_challenge={{challenge}}"
        "&code_challenge_method=S256",
        400,
    ),
    same_for_all("GET", "/identity/o/api/userinfo", 401),
    same_for_all("POST", "/identity/o/api/revoke", 400),
    same_for_all("POST", "/identity/o/api/device/code", 400),
    page("GET", "/identity/o/device", anonymous=302, people=200),
    page("GET", "/identity/o/logout", anonymous=302, people=200),
    # Browser login (allauth).
    page("GET", "/accounts/login/", anonymous=200, people=302),
    page("GET", "/accounts/logout/", anonymous=302, people=200),
    page("GET", "/accounts/signup/", anonymous=200, people=302),
    same_for_all("GET", "/accounts/inactive/", 200),
    page("GET", "/accounts/reauthenticate/", anonymous=302, people=200),
    # allauth 65.22: reauthentication by emailed code, not enabled here: redirects.
    same_for_all("GET", "/accounts/reauthenticate/code/", 302),
    same_for_all("GET", "/accounts/reauthenticate/code/confirm/", 302),
    page("GET", "/accounts/email/", anonymous=302, people=200),
    same_for_all("GET", "/accounts/confirm-email/", 200),
    same_for_all("GET", "/accounts/confirm-email/bad-key/", 200),
    page("GET", "/accounts/password/change/", anonymous=302, people=200),
    page("GET", "/accounts/password/set/", anonymous=302, people=302),
    same_for_all("GET", "/accounts/password/reset/", 200),
    same_for_all("GET", "/accounts/password/reset/done/", 200),
    same_for_all("GET", "/accounts/password/reset/key/1-bad-key/", 200),
    same_for_all("GET", "/accounts/password/reset/key/done/", 200),
    same_for_all("GET", "/accounts/login/code/confirm/", 302),
    # Developer portal: a developer manages their own app's credentials; anyone else 404.
    page("GET", "/developers/", anonymous=302, people=200),
    page("GET", "/developers/apps/{app_a}/credentials/", anonymous=302, people=404, a=200),
    page("POST", "/developers/apps/{app_a}/credentials/", anonymous=302, people=404, a=302),
    # Rotate and revoke: GET asks for confirmation, POST acts and redirects.
    page(
        "GET",
        "/developers/apps/{app_a}/credentials/{client_a}/rotate/",
        anonymous=302,
        people=404,
        a=200,
    ),
    page(
        "GET",
        "/developers/apps/{app_a}/credentials/{client_a}/revoke/",
        anonymous=302,
        people=404,
        a=200,
    ),
    page(
        "POST",
        "/developers/apps/{app_a}/credentials/{client_a}/rotate/",
        anonymous=302,
        people=404,
        a=302,
    ),
    page(
        "POST",
        "/developers/apps/{app_a}/credentials/{client_a}/redirect-uris/",
        anonymous=302,
        people=404,
        a=302,
    ),
    page(
        "POST",
        "/developers/apps/{app_a}/credentials/{client_a}/revoke/",
        anonymous=302,
        people=404,
        a=302,
    ),
    # B's own client seen through A's app: still 404 for A.
    page(
        "POST",
        "/developers/apps/{app_a}/credentials/{client_b}/rotate/",
        anonymous=302,
        people=404,
        a=404,
    ),
    # Dashboards: each person's own page; a student's page for those who may see them
    # (themselves, their guardian, their guide, the org admin); a class for its guide and
    # the org admin; an app's developer dashboard for its developers. Everyone else 404.
    page("GET", "/dashboard/", anonymous=302, people=302),
    page("GET", "/me/", anonymous=302, people=200),
    page("GET", "/children/", anonymous=302, people=200),
    page("GET", "/classes/", anonymous=302, people=200),
    page(
        "GET",
        "/students/{student}/",
        anonymous=302,
        people=404,
        student=200,
        guardian=200,
        guide=200,
        org_admin=200,
    ),
    *(
        page("GET", path, anonymous=302, people=404, guide=200, org_admin=200)
        for path in (
            "/classes/{class_a}/",
            "/classes/{class_a}/students.csv",
            "/classes/{class_a}/students/{student}/",
        )
    ),
    # stu-1 through a class stu-1 is not in: not found, even for that class's guide.
    page("GET", "/classes/{class_b}/students/{student}/", anonymous=302, people=404),
    page("GET", "/developers/apps/{app_a}/", anonymous=302, people=404, a=200),
    # Django admin: staff only; no rostered person or developer is staff here.
    same_for_all("GET", "/admin/", 302),
    same_for_all("GET", "/admin/rostering/partnerapp/", 302),
    # Public pages and documents.
    same_for_all("GET", "/", 200),
    same_for_all("GET", "/api/schema/", 200),
    same_for_all("GET", "/api/docs/", 200),
    same_for_all("GET", "/api/unknown", 404),
]

# Routes that need no row: admin model pages (Django's staff check covers them all, two
# rows above stand for them). The JSON 404 catch-all has its own row (/api/unknown).
NOT_IN_MATRIX_PREFIXES = ("admin/",)


def fill(path, world):
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    app_a = world.apps["partner_a"].pk
    return path.format(
        class_a=world.classes["class_a"].pk,
        class_b=world.classes["class_b"].pk,
        student=world.users["student"].pk,
        app_a=app_a,
        app_b=world.apps["partner_b"].pk,
        client_a=world.oidc_clients["partner_a"].pk,
        client_b=world.oidc_clients["partner_b"].pk,
        challenge=challenge.rstrip(b"=").decode(),
        event_a=EVENT_A,
        # The result of the student's graded attempt at lesson-1 (docs/xp-and-mastery.md#attempts).
        event_result_a=credit.attempt_result_id(app_a, world.users["student"].pk, "lesson-1|1"),
        job_a=world.job_a,
        session_a=world.session_a,
    )


# Any values of the right shape: enough to resolve a row's path to its route.
SAMPLE_IDS = {
    "class_a": 1,
    "class_b": 2,
    "student": 1,
    "app_a": 1,
    "app_b": 2,
    "client_a": "c",
    "client_b": "c",
    "challenge": "x",
    "event_a": "e",
    "event_result_a": "r",
    "job_a": "j",
    "session_a": "00000000-0000-4000-8000-000000000000",
}


def call(client, row, path):
    kwargs = {}
    if row.body is not None:
        kwargs = {"data": json.dumps(row.body), "content_type": "application/json"}
    return getattr(client, row.method.lower())(path, **kwargs)


@pytest.mark.parametrize("row", ROWS, ids=str)
def test_each_role_gets_the_expected_status(world, row):
    path = fill(row.path, world)
    actual = {role: call(world.clients[role], row, path).status_code for role in ROLES}
    assert actual == row.expected


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif pattern.callback is not json_not_found:  # the JSON 404 catch-all
            yield prefix + str(pattern.pattern)


def _normal(route):
    return route.replace("^", "")


def test_every_route_has_a_row():
    covered = {_normal(resolve(row.path.split("?")[0].format(**SAMPLE_IDS)).route) for row in ROWS}
    routes = {_normal(r) for r in _routes(get_resolver().url_patterns)}
    missing = sorted(r for r in routes - covered if not r.startswith(NOT_IN_MATRIX_PREFIXES))
    assert missing == [], "add a row to ROWS for each of these routes"


COLLECTIONS = [row for row in ROWS if row.method == "GET" and row.expected["partner_b"] == 200]
A_ONLY = (
    "course-1",
    "class-1",
    "unit-1",
    "lesson-1",
    "video-1",
    "lesson-1:video-1",
    '"stu-1"',
    '/stu-1"',
    '"stu-2"',
    '/stu-2"',
    "guide-1",
    # Math App's gradebook, Caliper events and their sensor (add_learning).
    "cat-a",
    "scale-a",
    "li-a",
    "res-a",
    "ali-a",
    "ar-a",
    EVENT_A,
    SENSOR_A,
)


def names_of_a_in(response) -> list[str]:
    body = response.content.decode()
    return [name for name in A_ONLY if name in body]


# Collections where no caller's answer names an object of partner A's, so partner B's
# answer holding none proves nothing: the school's own objects every app shares, partner
# B's own student, pages and endpoint descriptions, and twin's progress rows and EduBridge
# activity, which carry no ids (test_partner_b_reads_nothing_twin_did_in_partner_as_course
# checks those, with its own control).
SHARED_BY_EVERY_APP = ("orgs", "schools", "academicSessions", "terms", "gradingPeriods")
NOTHING_OF_A_HERE = (
    "/caliper/event",
    "/caliper/v1p2",
    "/ims/caliper/v1p2/events",
    "/events/1.0",
    "/api/logger/attemptlog?user=twin",
    "/api/logger/masterylog?content=lesson-1&user=twin",
    "/api/logger/totalcontentprogress/twin",
    f"/edubridge/analytics/activity?studentId=twin&{NOVEMBER}",
    # The frameworks belong to no app.
    *(row.path for row in case_rows(CASE_V1P1) + case_rows(CASE_LWAI)),
    # Aggregates naming apps, not objects (tests/outcomes/test_outcomes_api.py checks that
    # partner B never gets A's rows, with A's as the control).
    "/analytics/1.0/outcomes",
)


def shows_nothing_of_a(row) -> bool:
    segments = ["", *(part for part in row.path.split("?")[0].split("/") if part)]
    is_page = row.expected["anonymous"] != 401  # not a token API
    resource = segments[-1]
    if resource in ("school", "term-1", "gp-1"):  # one shared object, by its collection
        resource = segments[-2]
    of_partner_b = "stu-3" in row.path or "class-2:" in row.path
    return (
        is_page or resource in SHARED_BY_EVERY_APP or of_partner_b or row.path in NOTHING_OF_A_HERE
    )


@pytest.mark.parametrize("row", COLLECTIONS, ids=str)
def test_partner_b_never_sees_partner_as_objects(world, row):
    path = fill(row.path, world)
    seen_by_a = names_of_a_in(call(world.clients["partner_a"], row, path))
    if shows_nothing_of_a(row):
        assert seen_by_a == [], "partner A's objects show here: drop the row from the exceptions"
    else:
        # The control: partner A reads its own objects here, so the check below can fail.
        assert seen_by_a, "partner A sees none of its objects here: the check would prove nothing"

    assert names_of_a_in(call(world.clients["partner_b"], row, path)) == []


def twin_figures():
    """What each read-back says twin did in partner A's course (partner B: nothing)."""

    def count(key):
        return lambda body: len(body[key])

    return [
        ("/xp/1.0/users/twin/entries", count("entries")),
        ("/analytics/1.0/activity?student=twin", count("activity")),
        ("/insights/1.0/users/twin", lambda body: body["insights"]["lastActivityDate"] or 0),
        (f"{GRADEBOOK_PARTNER}/assessment-results?student=twin", count("assessmentResults")),
        (f"{GRADEBOOK_V1P2}/students/twin/assessmentResults", count("assessmentResults")),
        (f"{GRADEBOOK_V1P2}/results?filter=student.sourcedId='twin'", count("results")),
        (
            "/ims/edubridge/analytics/v1p0/enrollmentFacts?studentId=twin",
            lambda body: sum(fact["xpEarned"] for fact in body["enrollmentFacts"]),
        ),
        (f"/edubridge/analytics/activity?studentId=twin&{NOVEMBER}", count("facts")),
        ("/api/logger/totalcontentprogress/twin", lambda body: body["progress"]),
        ("/api/logger/masterylog?content=lesson-1&user=twin", len),
        ("/api/logger/attemptlog?user=twin", len),
    ]


@pytest.mark.parametrize(("path", "figure"), twin_figures(), ids=[p for p, _ in twin_figures()])
def test_partner_b_reads_nothing_twin_did_in_partner_as_course(world, path, figure):
    assert figure(world.clients["partner_a"].get(path).json())  # A sees it: the check bites

    assert not figure(world.clients["partner_b"].get(path).json())


# Missing scope → 403 (docs/access.md#partner-tokens-and-scopes), before anything is looked up: partner A's clients granted
# a single scope each (shared_world), on the APIs merged after the matrix was built.
ROSTER_ONLY = scopes.oneroster("roster-core.readonly")
GRADEBOOK_ONLY = scopes.oneroster("gradebook.readonly")
START_STU = {"user_id": "stu-1", "node_id": "lesson-1", "channel_id": "course-1", "kind": "video"}
SCOPE_ROWS = [
    *(
        (ROSTER_ONLY, "GET", path, 403, None)
        for path in (
            "/caliper/events",
            "/caliper/events/{event_a}",
            "/jobs/{job_a}/status",
            f"{GRADEBOOK_V1P2}/lineItems",
            f"{GRADEBOOK_PARTNER}/assessmentResults",
            "/xp/1.0/users/stu-1/entries",
            "/analytics/1.0/activity",
            "/insights/1.0/users/stu-1",
            "/analytics/1.0/outcomes",
            f"{GRADEBOOK_PARTNER}/assessment-results",
            "/ims/edubridge/analytics/v1p0/enrollmentFacts",
            f"/edubridge/analytics/activity?studentId=stu-1&{NOVEMBER}",
            "/edubridge/analytics/enrollment/class-1:stu-1",
            "/edubridge/enrollments/user/stu-1",
            "/api/logger/totalcontentprogress/stu-1",
            "/api/logger/masterylog?content=lesson-1&user=stu-1",
            "/api/logger/attemptlog",
        )
    ),
    (ROSTER_ONLY, "GET", f"{CASE_V1P1}/CFDocuments", 403, None),
    (ROSTER_ONLY, "POST", "/caliper/event", 403, EMPTY_ENVELOPE),
    (ROSTER_ONLY, "POST", "/caliper/event/validate", 403, EMPTY_ENVELOPE),
    (ROSTER_ONLY, "POST", "/api/logger/contentsession", 403, START_STU),
    # Gradebook reads do not cover assessments, nor writes.
    (GRADEBOOK_ONLY, "GET", f"{GRADEBOOK_V1P2}/lineItems", 200, None),
    (GRADEBOOK_ONLY, "GET", f"{GRADEBOOK_V1P2}/assessmentLineItems", 403, None),
    (GRADEBOOK_ONLY, "PUT", f"{GRADEBOOK_V1P2}/lineItems/li-a", 403, {"lineItem": {"title": "X"}}),
    (GRADEBOOK_ONLY, "DELETE", f"{GRADEBOOK_V1P2}/results/res-a", 403, None),
    # A sensor sends, and follows what it sent; it reads no learning data.
    (scopes.EVENTS_WRITE, "POST", "/caliper/event", 200, EMPTY_ENVELOPE),
    (scopes.EVENTS_WRITE, "GET", "/caliper/events", 200, None),
    (scopes.EVENTS_WRITE, "GET", "/jobs/{job_a}/status", 200, None),
    (scopes.EVENTS_WRITE, "POST", "/api/logger/contentsession", 200, START_STU),
    (scopes.EVENTS_WRITE, "GET", "/analytics/1.0/activity", 403, None),
    (scopes.EVENTS_WRITE, "GET", "/api/logger/attemptlog", 403, None),
    (scopes.EVENTS_WRITE, "GET", f"{V1P2}/users", 403, None),
    # A dashboard reads back (events too), and writes nothing.
    (scopes.ANALYTICS_READONLY, "GET", "/analytics/1.0/activity", 200, None),
    (scopes.ANALYTICS_READONLY, "GET", "/caliper/events/{event_a}", 200, None),
    (scopes.ANALYTICS_READONLY, "POST", "/caliper/event", 403, EMPTY_ENVELOPE),
    (
        scopes.ANALYTICS_READONLY,
        "PUT",
        "/api/logger/contentsession/{session_a}",
        403,
        {"user_id": "stu-1", "time_spent_delta": 5},
    ),
]


@pytest.mark.parametrize(
    ("scope", "method", "path", "status", "body"),
    SCOPE_ROWS,
    ids=[f"{scope.rsplit('/', 1)[-1]} {method} {path}" for scope, method, path, *_ in SCOPE_ROWS],
)
def test_a_token_without_the_scope_is_refused(world, scope, method, path, status, body):
    row = Row(method, path, {}, body)

    assert call(world.narrow[scope], row, fill(path, world)).status_code == status
