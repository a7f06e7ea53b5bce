"""`GET /analytics/1.0/outcomes`: does time in an app go with growth on standardized tests?
(docs/closed-loop.md#the-outcomes-api)

Two kinds of caller: a partner app's token with `analytics.readonly` reads its own apps' rows
(over every student who used it); a signed-in school administrator (browser session) reads
every app's rows over the students of the orgs they administer (a superuser: over everyone).
Partners see only these aggregates, never another app's rows or a student's results.
"""

from allauth.idp.oidc.models import Token
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from core import scopes
from core.api.auth import HasScope, IsTokenAuthenticated, PartnerTokenAuthentication, partner_app
from core.api.errors import OneRosterError
from core.api.views import TimebackAPIView
from rostering import access

from .. import selectors


def _round(value: float) -> float:
    """Four significant digits: enough for an interval or a p-value, and a tiny p stays
    readable instead of rounding to 0."""
    return float(f"{value:.4g}")


class PartnerOrSchoolAdmin(BasePermission):
    """A partner token holding the view's scope, or a signed-in org administrator."""

    message = "Send a partner token with analytics.readonly, or sign in as a school administrator."

    def has_permission(self, request, view):
        if isinstance(request.auth, Token):
            scope = HasScope()
            allowed = IsTokenAuthenticated().has_permission(request, view) and scope.has_permission(
                request, view
            )
            self.message = getattr(scope, "message", None) or IsTokenAuthenticated.message
            return allowed
        user = request.user
        return bool(
            user is not None
            and user.is_authenticated
            and (access.user_sees_everything(user) or access.org_ids_administered_by(user))
        )


EXAMPLE = {
    "outcomes": [
        {
            "app": {"id": "12", "name": "Math App"},
            "subject": "Mathematics",
            "termPair": "FallToWinter",
            "n": 48,
            "excluded": {"rapidGuessing": 3, "noUsage": 5},
            "usage": "activeMinutes",
            "outcome": "cgi",
            "pearson": {"r": 0.41, "ciLow": 0.1468, "ciHigh": 0.6193, "p": 0.0038},
            "spearman": {"rho": 0.38, "ciLow": 0.0986, "ciHigh": 0.6065, "p": 0.0077},
            "partial": {
                "r": 0.36,
                "ciLow": 0.0771,
                "ciHigh": 0.5904,
                "p": 0.0143,
                "controls": ["startingScore", "grade"],
            },
            "growthPerHour": {"slope": 0.021, "ciLow": 0.0072, "ciHigh": 0.0348},
            "q": 0.0076,
            "exploratory": True,
            "hidden": False,
        },
        {
            "app": {"id": "14", "name": "Reading App"},
            "subject": "Reading",
            "termPair": "FallToWinter",
            "n": 12,
            "excluded": {"rapidGuessing": 0, "noUsage": 1},
            "usage": "xp",
            "outcome": "cgi",
            "pearson": None,
            "spearman": None,
            "partial": None,
            "growthPerHour": None,
            "q": None,
            "exploratory": True,
            "hidden": True,
        },
    ]
}


class OutcomesView(TimebackAPIView):
    # The token first: an anonymous request then answers 401 with a Bearer challenge.
    authentication_classes = [PartnerTokenAuthentication, SessionAuthentication]
    permission_classes = [PartnerOrSchoolAdmin]
    required_scopes = {"GET": [scopes.ANALYTICS_READONLY]}

    @extend_schema(
        operation_id="outcomes_list",
        parameters=[
            OpenApiParameter(
                "subject",
                OpenApiTypes.STR,
                description="Only this subject, as a test or a course names it (Mathematics, "
                "Math, Reading, ELA, Language Usage, Science; settings STANDARDIZED_SUBJECTS).",
            ),
            OpenApiParameter(
                "termPair",
                OpenApiTypes.STR,
                description="Only this term pair: FallToWinter, FallToSpring, WinterToSpring, ...",
            ),
            OpenApiParameter("app", OpenApiTypes.STR, description="Only this app (its id)."),
        ],
        responses={200: OpenApiTypes.OBJECT},
        examples=[OpenApiExample("Two apps", value=EXAMPLE, response_only=True)],
        description="Per app × subject × term pair, two rows (`usage`: `xp`, then "
        "`activeMinutes`, between the two tests): n students; Pearson's r and Spearman's ρ of "
        "usage against growth (`outcome`: MAP's conditional growth index `cgi` where every "
        "student has one, else `observedMinusProjected`; never the raw score gain), each "
        "with a 95 % interval (Fisher's z) and p; the partial correlation controlling for "
        "starting score and grade; growth per hour of active time (an OLS slope with its "
        "95 % interval); `q`, the Benjamini–Hochberg q-value across the rows of this "
        "answer. Rows under 20 students are `hidden` (n only); under 85 `exploratory`. "
        "Students whose test (either one) had more than 30 % rapid guesses, and students "
        "with no usage of the app between the tests, are left out and counted in "
        "`excluded`. A partner token reads its own app's rows over all its students; a "
        "school administrator (signed in) reads every app over the students of their orgs.",
    )
    def get(self, request):
        params = request.query_params
        subject = term_pair = None
        if params.get("subject"):
            subject = selectors.normalise_subject(params["subject"])
            if subject is None:
                raise OneRosterError(
                    f"subject: {params['subject'][:40]!r} is none of "
                    + ", ".join(selectors.subject_names())
                    + "."
                )
        if params.get("termPair"):
            term_pair = params["termPair"]
            if not selectors.TERM_PAIR.match(term_pair):
                raise OneRosterError(
                    "termPair: a season to a season, e.g. FallToWinter or FallToSpring."
                )
        if isinstance(request.auth, Token):
            own = partner_app(request)
            apps = [own.pk] if own is not None else []
            if params.get("app") and params["app"] != str(own.pk if own else ""):
                raise NotFound(f"No app '{params['app'][:40]}'.")
            rows = selectors.stored_rows(apps=apps, subject=subject, term_pair=term_pair)
        else:
            apps = [_app_id(params["app"])] if params.get("app") else None
            if access.user_sees_everything(request.user):
                rows = selectors.stored_rows(apps=apps, subject=subject, term_pair=term_pair)
            else:
                rows = selectors.rows_of_students(
                    students=access.students_visible_to_user(request.user).values("pk"),
                    apps=apps,
                    subject=subject,
                    term_pair=term_pair,
                )
        return Response({"outcomes": [row_json(r) for r in rows]})


def _app_id(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise NotFound(f"No app '{raw[:40]}'.") from None


def row_json(r: selectors.OutcomeRow) -> dict:
    s = r.statistics
    return {
        "app": {"id": str(r.app_id), "name": r.app_name},
        "subject": r.subject,
        "termPair": r.term_pair,
        "n": r.n,
        "excluded": {"rapidGuessing": r.excluded_rapid_guessing, "noUsage": r.excluded_no_usage},
        "usage": r.usage,
        "outcome": r.outcome,
        "pearson": _rounded(s.get("pearson")),
        "spearman": _rounded(s.get("spearman")),
        "partial": _rounded(s.get("partial")),
        "growthPerHour": _rounded(s.get("growthPerHour")),
        "q": None if r.q is None else _round(r.q),
        "exploratory": r.exploratory,
        "hidden": r.hidden,
    }


ORDER = ("r", "rho", "slope", "ciLow", "ciHigh", "p", "controls")


def _rounded(values: dict | None) -> dict | None:
    """A stored figure's keys in the documented order (JSONB keeps its own), rounded."""
    if not values:
        return None
    keys = sorted(values, key=lambda k: ORDER.index(k) if k in ORDER else len(ORDER))
    return {k: _round(values[k]) if isinstance(values[k], float) else values[k] for k in keys}
