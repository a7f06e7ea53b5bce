"""GET /analytics/1.0/outcomes: a partner reads its own apps' rows, a school administrator
every app over the students of their orgs (docs/closed-loop.md#the-outcomes-api)."""

import pytest
from rest_framework.test import APIClient

from outcomes.models import Outcome
from outcomes.services import recompute_outcomes as recompute
from tests.factories import DistrictFactory, SchoolFactory, UserFactory
from tests.outcomes.cohort import cohort

pytestmark = pytest.mark.django_db
URL = "/analytics/1.0/outcomes"


@pytest.fixture
def studied(world):
    """40 Math App students with fall and winter results; outcomes computed."""
    c = cohort(world, 40)
    recompute()
    return c


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_a_partner_reads_its_apps_rows_in_the_documented_shape(world, studied):
    answer = world.math.api.get(URL)

    assert answer.status_code == 200
    rows = answer.json()["outcomes"]
    assert [r["usage"] for r in rows] == ["xp", "activeMinutes"]
    row = rows[1]
    assert set(row) == {
        "app", "subject", "termPair", "n", "excluded", "usage", "outcome", "pearson",
        "spearman", "partial", "growthPerHour", "q", "exploratory", "hidden",
    }  # fmt: skip
    assert row["app"] == {"id": str(world.math.app.pk), "name": "Math App"}
    assert (row["subject"], row["termPair"], row["n"]) == ("Mathematics", "FallToWinter", 40)
    assert row["excluded"] == {"rapidGuessing": 0, "noUsage": 0}
    assert (row["outcome"], row["hidden"], row["exploratory"]) == ("cgi", False, True)
    assert set(row["pearson"]) == {"r", "ciLow", "ciHigh", "p"}
    assert set(row["spearman"]) == {"rho", "ciLow", "ciHigh", "p"}
    assert set(row["growthPerHour"]) == {"slope", "ciLow", "ciHigh"}
    assert row["pearson"]["ciLow"] < row["pearson"]["r"] < row["pearson"]["ciHigh"]
    stored = Outcome.objects.get(app=world.math.app, usage="activeMinutes")
    assert row["pearson"]["r"] == pytest.approx(stored.statistics["pearson"]["r"], rel=1e-3)


def test_q_values_are_benjamini_hochberg_across_the_rows_answered(world, studied):
    rows = world.math.api.get(URL).json()["outcomes"]

    p = sorted([r["pearson"]["p"] for r in rows])
    # Two rows: the larger p keeps its value, the smaller is at most doubled.
    assert sorted(r["q"] for r in rows) == pytest.approx([min(p[0] * 2, p[1]), p[1]], rel=1e-3)


def test_a_partner_never_sees_another_apps_rows(world, studied):
    assert world.science.api.get(URL).json() == {"outcomes": []}
    answer = world.science.api.get(URL, {"app": str(world.math.app.pk)})
    assert answer.status_code == 404


def test_a_hidden_row_keeps_n_and_shows_no_statistics(world):
    cohort(world, 12)
    recompute()

    row = world.math.api.get(URL, {"usage": "xp"}).json()["outcomes"][0]

    assert (row["n"], row["hidden"]) == (12, True)
    assert [row[k] for k in ("pearson", "spearman", "partial", "growthPerHour", "q")] == [None] * 5


def test_filters_narrow_by_subject_term_pair_and_app(world, studied):
    api = world.math.api
    assert len(api.get(URL, {"subject": "Math"}).json()["outcomes"]) == 2
    assert api.get(URL, {"subject": "Reading"}).json()["outcomes"] == []
    assert api.get(URL, {"termPair": "FallToSpring"}).json()["outcomes"] == []
    assert len(api.get(URL, {"termPair": "FallToWinter"}).json()["outcomes"]) == 2
    assert len(api.get(URL, {"app": str(world.math.app.pk)}).json()["outcomes"]) == 2


@pytest.mark.parametrize(
    ("params", "named"), [({"subject": "Astrology"}, "subject"), ({"termPair": "Fall"}, "termPair")]
)
def test_a_bad_filter_answers_400_naming_it(world, params, named):
    answer = world.math.api.get(URL, params)
    assert answer.status_code == 400
    assert named in str(answer.json())


def test_a_school_administrator_reads_every_app_over_their_students(world, studied):
    answer = signed_in(world.admin).get(URL)

    assert answer.status_code == 200
    rows = answer.json()["outcomes"]
    assert {(r["app"]["name"], r["n"]) for r in rows} == {("Math App", 40)}
    partner_rows = world.math.api.get(URL).json()["outcomes"]
    assert rows == partner_rows  # the same students: the same figures


def test_an_administrator_of_another_district_sees_none_of_these_students(world, studied):
    elsewhere = SchoolFactory(parent=DistrictFactory())
    other = UserFactory(role="administrator", org=elsewhere)

    assert signed_in(other).get(URL).json() == {"outcomes": []}


def test_an_administrator_of_a_school_sees_only_its_students(world, studied):
    other_school = SchoolFactory(sourced_id="school-2", parent=world.district)
    for student in studied.students[:25]:
        student.roles.update(org=other_school)
        type(student).objects.filter(pk=student.pk).update(primary_org=other_school)
    world.math.klass.__class__.objects.filter(pk=world.math.klass.pk).update(school=other_school)
    head = UserFactory(role="administrator", org=world.school)

    rows = signed_in(head).get(URL).json()["outcomes"]

    assert [(r["n"], r["hidden"]) for r in rows] == [(15, True), (15, True)]


@pytest.mark.parametrize("who", ["rivera", "ada"])
def test_guides_and_students_are_refused(world, studied, who):
    assert signed_in(getattr(world, who)).get(URL).status_code == 403


def test_without_credentials_the_answer_is_401(db):
    assert APIClient().get(URL).status_code == 401


def test_the_outcomes_are_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    operation = schema["paths"]["/analytics/1.0/outcomes/"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"subject", "termPair", "app"}
    assert "Benjamini" in operation["description"]
