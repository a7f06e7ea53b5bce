"""The access matrix (SPEC §5): every endpoint × every role → the expected status.

One row per (method, path). Adding an endpoint means adding one row here:
`test_every_route_has_a_row` fails, naming the route, until it has one. Paths may name
`{app_a}`, `{app_b}`, `{client_a}` and `{challenge}`, filled in from the world fixture.

Token APIs answer 401 to everyone without a bearer token (browser sessions included);
partner B gets 404 for anything of partner A's, and never sees A's rows in a list.
"""

import base64
import hashlib
import json
from dataclasses import dataclass

import pytest
from django.urls import URLResolver, get_resolver, resolve

from .conftest import PEOPLE, REDIRECT_URI_A, ROLES

V1P2 = "/ims/oneroster/rostering/v1p2"
PARTNER = "/rostering/1.0"
NO_TOKEN = {role: 401 for role in ("anonymous", *PEOPLE)}


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
        api("GET", f"{base}/demographics/stu", a=403, b=403),
        # Objects of partner A's course: A reads them, B gets 404.
        api("GET", f"{base}/courses/components/unit-a"),
        api("GET", f"{base}/courses/component-resources/cr-a"),
        api("GET", f"{base}/users/stu"),
        api("GET", f"{base}/users/stu2", a=404, b=200),
        api("GET", f"{base}/users/guide-a"),
        api("GET", f"{base}/students/stu"),
        api("GET", f"{base}/teachers/guide-a"),
        api("GET", f"{base}/courses/course-a"),
        api("GET", f"{base}/classes/class-a"),
        api("GET", f"{base}/enrollments/class-a:stu"),
        # Not personal data: orgs and academic sessions are open to every app.
        api("GET", f"{base}/orgs/sch", b=200),
        api("GET", f"{base}/schools/sch", b=200),
        api("GET", f"{base}/academicSessions/term-1", b=200),
        api("GET", f"{base}/terms/term-1", b=200),
        api("GET", f"{base}/gradingPeriods/gp-1", b=200),
        # Nested collections: an invisible parent answers 404.
        api("GET", f"{base}/schools/sch/classes", b=200),
        api("GET", f"{base}/schools/sch/classes/class-a/enrollments"),
        api("GET", f"{base}/schools/sch/classes/class-a/students"),
        api("GET", f"{base}/schools/sch/classes/class-a/teachers"),
        api("GET", f"{base}/schools/sch/courses", b=200),
        api("GET", f"{base}/schools/sch/enrollments", b=200),
        api("GET", f"{base}/schools/sch/students", b=200),
        api("GET", f"{base}/schools/sch/teachers", b=200),
        api("GET", f"{base}/schools/sch/terms", b=200),
        api("GET", f"{base}/classes/class-a/students"),
        api("GET", f"{base}/classes/class-a/teachers"),
        api("GET", f"{base}/courses/course-a/classes"),
        api("GET", f"{base}/users/stu/classes"),
        api("GET", f"{base}/students/stu/classes"),
        api("GET", f"{base}/teachers/guide-a/classes"),
        api("GET", f"{base}/terms/term-1/classes", b=200),
        api("GET", f"{base}/terms/term-1/gradingPeriods", b=200),
    ]


ROWS = [
    *rostering_rows(V1P2),
    *rostering_rows(PARTNER),
    # Writes: an app changes its own catalogue; another app's is refused with an explanation
    # (403, the write rule) or, when it must first be found, not found (404).
    api("PUT", f"{V1P2}/courses/course-a", a=200, b=403, body={"course": {"title": "New"}}),
    api("POST", f"{V1P2}/courses", a=201, b=201, body={"course": {"title": "Mine"}}),
    api("DELETE", f"{PARTNER}/lessons/lesson-a", a=204, b=404),
    # Guardian links are sandbox scaffolding: refused to learning apps before any lookup.
    api("PUT", f"{PARTNER}/students/stu/agents/guard", a=403, b=403),
    # Resources and the Partner catalogue.
    api("GET", "/ims/oneroster/resources/v1p2/resources", b=200),
    api("GET", "/ims/oneroster/resources/v1p2/resources/resource-a"),
    *(api("GET", f"{PARTNER}/{plural}", b=200) for plural in ("units", "lessons", "resources")),
    api("GET", f"{PARTNER}/units/unit-a"),
    api("GET", f"{PARTNER}/lessons/lesson-a"),
    api("GET", f"{PARTNER}/resources/resource-a"),
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
    same_for_all(
        "GET",
        "/identity/o/authorize?response_type=code&client_id={client_a}&scope=openid"
        f"&redirect_uri={REDIRECT_URI_A}",
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
    page("POST", "/developers/apps/{app_a}/credentials/", anonymous=302, people=404, a=200),
    page(
        "POST",
        "/developers/apps/{app_a}/credentials/{client_a}/rotate/",
        anonymous=302,
        people=404,
        a=200,
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
# rows above stand for them) and the JSON 404 catch-all.
NOT_IN_MATRIX_PREFIXES = ("admin/",)


def fill(path, world):
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return path.format(
        class_a=world.classes["class_a"].pk,
        student=world.users["student"].pk,
        app_a=world.apps["partner_a"].pk,
        app_b=world.apps["partner_b"].pk,
        client_a=world.oidc_clients["partner_a"].pk,
        client_b=world.oidc_clients["partner_b"].pk,
        challenge=challenge.rstrip(b"=").decode(),
    )


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
        else:
            yield prefix + str(pattern.pattern)


def _normal(route):
    return route.replace("^", "")


def test_every_route_has_a_row():
    covered = {
        _normal(
            resolve(
                row.path.split("?")[0].format(
                    app_a=1,
                    app_b=2,
                    client_a="c",
                    client_b="c",
                    challenge="x",
                    class_a=1,
                    student=1,
                )
            ).route
        )
        for row in ROWS
    }
    routes = {_normal(r) for r in _routes(get_resolver().url_patterns)}
    missing = sorted(
        r
        for r in routes - covered
        if not r.startswith(NOT_IN_MATRIX_PREFIXES)
        and r != "(ims|rostering|resources|gradebook|auth|events|api)/"
    )
    assert missing == [], "add a row to ROWS for each of these routes"


COLLECTIONS = [row for row in ROWS if row.method == "GET" and row.expected["partner_b"] == 200]
A_ONLY = (
    "course-a",
    "class-a",
    "unit-a",
    "lesson-a",
    "resource-a",
    "cr-a",
    '"stu"',
    '/stu"',
    "guide-a",
)


@pytest.mark.parametrize("row", COLLECTIONS, ids=str)
def test_partner_b_never_sees_partner_as_objects(world, row):
    body = call(world.clients["partner_b"], row, fill(row.path, world)).content.decode()
    assert [name for name in A_ONLY if name in body] == []
