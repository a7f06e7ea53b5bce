"""Gradebook collections take the same query parameters as rostering's (filter, sort,
fields, paging), and a page costs the same number of queries whatever its size."""

import pytest

from gradebook.models import Category, LineItem, Result

from .conftest import V1P2


def _line_items(side, count):
    category = Category.objects.get(sourced_id="cat-1")
    for i in range(count):
        item = LineItem.objects.create(
            sourced_id=f"li-x{i:02}",
            title=f"Extra {i:02}",
            assign_date="2026-11-01T08:00:00Z",
            due_date=f"2026-11-{10 + i % 10:02}T08:00:00Z",
            klass=side.klass,
            school=side.klass.school,
            category=category,
            result_value_max=10,
        )
        Result.objects.create(
            sourced_id=f"res-x{i:02}",
            line_item=item,
            student=side.student,
            klass=side.klass,
            score=i,
            score_date="2026-11-05",
        )


def ids(response, plural):
    assert response.status_code == 200, response.json()
    return [o["sourcedId"] for o in response.json()[plural]]


def test_filter_selects_line_items_by_title_and_class(gradebook):
    _line_items(gradebook, 3)

    response = gradebook.api.get(
        f"{V1P2}/lineItems", {"filter": "title~'extra' AND class.sourcedId='class-1'"}
    )

    assert ids(response, "lineItems") == ["li-x00", "li-x01", "li-x02"]


def test_filter_compares_scores_as_numbers(gradebook):
    _line_items(gradebook, 12)

    response = gradebook.api.get(f"{V1P2}/results", {"filter": "score>=10", "sort": "score"})

    assert ids(response, "results") == ["res-x10", "res-x11"]


def test_a_non_numeric_score_filter_answers_400(gradebook):
    response = gradebook.api.get(f"{V1P2}/results", {"filter": "score>'many'"})

    assert response.status_code == 400
    assert "score" in response.json()["imsx_description"]


def test_sort_order_and_paging_apply_to_line_items(gradebook):
    _line_items(gradebook, 5)

    response = gradebook.api.get(
        f"{V1P2}/lineItems", {"sort": "title", "orderBy": "desc", "limit": 2, "offset": 1}
    )

    # "Quiz 1" sorts first in descending order and is skipped by the offset.
    assert ids(response, "lineItems") == ["li-x04", "li-x03"]
    assert response["X-Total-Count"] == "6"
    assert 'rel="next"' in response["Link"]


def test_fields_selects_the_returned_properties(gradebook):
    response = gradebook.api.get(f"{V1P2}/results", {"fields": "sourcedId,score"})

    assert response.json()["results"] == [{"sourcedId": "res-1", "score": 8.0}]


def test_metadata_filters_reach_timebacks_figures(gradebook):
    response = gradebook.api.get(f"{V1P2}/assessmentResults", {"filter": "metadata.xp='5'"})

    assert ids(response, "assessmentResults") == ["ar-1"]


def test_an_unknown_filter_field_answers_400(gradebook):
    response = gradebook.api.get(f"{V1P2}/lineItems", {"filter": "colour='blue'"})

    assert response.status_code == 400
    assert "colour" in response.json()["imsx_description"]


@pytest.mark.parametrize(
    "path",
    ["lineItems", "results", "classes/class-1/results", "lineItems/li-1/results", "scoreScales"],
)
def test_a_page_costs_the_same_number_of_queries_whatever_its_size(
    gradebook, path, django_assert_max_num_queries
):
    gradebook.api.get(f"{V1P2}/{path}")  # warm the token and app caches
    with django_assert_max_num_queries(12) as small:
        gradebook.api.get(f"{V1P2}/{path}")
    _line_items(gradebook, 30)

    with django_assert_max_num_queries(len(small.captured_queries)):
        response = gradebook.api.get(f"{V1P2}/{path}")

    assert response.status_code == 200
