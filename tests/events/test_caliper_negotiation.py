"""The Caliper views' content negotiation (events.api.caliper.CaliperNegotiation) answers
what DRF's own answers, for every Accept header and format: its shortcut only skips work."""

import pytest
from django.http import Http404
from rest_framework.exceptions import NotAcceptable, NotFound
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from events.api.caliper import CaliperNegotiation

from .conftest import activity, envelope

ACCEPTS = [
    None,
    "*/*",
    "application/json",
    "application/json; indent=4",
    "text/html",
    "text/html, */*;q=0.8",
    "application/*",
    "application/xml",
]


def choice(negotiation, accept, query, suffix):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().post("/caliper/event" + query, **headers))
    try:
        renderer, media_type = negotiation.select_renderer(request, [JSONRenderer()], suffix)
    except (NotAcceptable, NotFound, Http404) as refusal:
        return type(refusal).__name__
    return type(renderer).__name__, media_type


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("query", ["", "?format=json", "?format=api", "?x=1"])
@pytest.mark.parametrize("suffix", [None, "json", "api"])
def test_the_caliper_negotiation_chooses_what_drfs_chooses(accept, query, suffix):
    assert choice(CaliperNegotiation(), accept, query, suffix) == choice(
        DefaultContentNegotiation(), accept, query, suffix
    )


def test_a_sender_that_accepts_only_html_is_still_refused(app_api):
    response = app_api.post(
        "/caliper/event",
        envelope(activity("stu-1")),
        content_type="application/json",
        HTTP_ACCEPT="text/html",
    )
    assert response.status_code == 406
