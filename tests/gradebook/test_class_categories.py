"""A class's categories (`classes/{id}/categories`): those its line items use, and the
school's, which every class may use (docs/api.md#googles-oneroster-suite)."""

from gradebook.models import Category

from .conftest import V1P2, ok


def test_a_class_without_line_items_offers_the_schools_categories(a, b):
    Category.objects.create(sourced_id="homework", title="Homework")
    ok(b.api.put_json(f"{V1P2}/categories/b-only", {"category": {"title": "B's own"}}))

    listed = ok(a.api.get(f"{V1P2}/classes/class-1/categories"), 200)["categories"]

    assert [c["sourcedId"] for c in listed] == ["homework"]


def test_a_class_lists_the_category_its_line_item_uses(gradebook):
    listed = ok(gradebook.api.get(f"{V1P2}/classes/class-1/categories"), 200)["categories"]

    assert "cat-1" in [c["sourcedId"] for c in listed]
