"""Nothing of the binding is forgotten: every path and method of 1EdTech's gradebook
OpenAPI and of Timeback's openapi.yaml resolves to a view that answers that method, under
both mounts."""

import json
import re

import pytest
import yaml
from django.urls import Resolver404, resolve

from gradebook.api import urls as gradebook_urls
from tests.rostering.test_oneroster_shapes import CONFORMANCE

OFFICIAL = CONFORMANCE / "oneroster-v1p2/onerosterv1p2gradebookservice_openapi3_v1p0.json"
TIMEBACK = CONFORMANCE / "timeback-oneroster/openapi.yaml"
TIMEBACK_PREFIX = "/ims/oneroster/gradebook/v1p2"
METHODS = ("get", "post", "put", "delete")
MOUNTS = ("/ims/oneroster/gradebook/v1p2", "/gradebook/1.0")


def _operations():
    official = json.loads(OFFICIAL.read_text())["paths"]
    timeback = yaml.safe_load(TIMEBACK.read_text())["paths"]
    operations = {(m, p) for p, ops in official.items() for m in ops if m in METHODS}
    operations |= {
        (m, p[len(TIMEBACK_PREFIX) :])
        for p, ops in timeback.items()
        if p.startswith(TIMEBACK_PREFIX + "/")
        for m in ops
        if m in METHODS
    }
    # Served beside the binding, as documented for reading progress (docs/api.md#oneroster-12).
    operations.add(("get", "/students/{studentSourcedId}/assessmentResults"))
    return sorted(operations)


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "some-id", path)


def answers(match, method: str) -> bool:
    """The resolved view has a handler for the method, and a nested collection takes POST
    only where a body is imposed from its parent."""
    view = match.func.view_class
    initkwargs = match.func.view_initkwargs
    if not hasattr(view, method):
        return False
    if method == "post" and initkwargs.get("parent") is not None:
        return initkwargs.get("nested_body") is not None
    return True


def test_the_binding_files_name_every_gradebook_resource():
    paths = {p for _, p in _operations()}
    for plural in (
        "categories",
        "scoreScales",
        "lineItems",
        "results",
        "assessmentLineItems",
        "assessmentResults",
    ):
        assert any(p.strip("/").split("/")[0] == plural for p in paths)


@pytest.mark.parametrize("mount", MOUNTS)
@pytest.mark.parametrize(("method", "path"), _operations())
def test_every_operation_of_the_binding_resolves_to_a_view_answering_it(mount, method, path):
    try:
        match = resolve(mount + concrete(path).rstrip("/"))
    except Resolver404:
        pytest.fail(f"{method.upper()} {path} does not resolve under {mount}")

    assert answers(match, method), f"{method.upper()} {path} resolves but is not answered"


@pytest.mark.parametrize(
    "path", ["assessment-results", "assessment-results/", "assessment-results/x"]
)
def test_the_partner_read_back_path_is_left_free(path):
    assert not any(p.pattern.regex.match(path) for p in gradebook_urls.urlpatterns)


@pytest.mark.django_db
def test_the_gradebook_is_described_in_the_openapi_schema(client):
    schema = client.get("/api/schema/")

    assert schema.status_code == 200
    for mount in MOUNTS:
        assert f"{mount}/assessmentResults/".encode() in schema.content
        assert f"{mount}/classes/{{class_id}}/lineItems/".encode() in schema.content
