"""Composes every API surface and the pages."""

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from analytics.api import urls as analytics_api
from core.api import schema  # noqa: F401 - registers the bearer scheme
from core.api.errors import API_PATH
from core.api.errors import handler404 as json_not_found
from events.api import urls as events_api
from gradebook.api import urls as gradebook_api
from logger import api_urls as logger_urls
from outcomes.api import urls as outcomes_api
from remediation.api import urls as remediation_api
from rostering import oidc
from rostering.api import urls as rostering_api
from standards.api import urls as standards_api

handler400 = "core.api.errors.handler400"
handler403 = "core.api.errors.handler403"
handler404 = "core.api.errors.handler404"
handler500 = "core.api.errors.handler500"

urlpatterns = [
    # The Caliper surface first: its single-event POST is the hottest request, and Django
    # tries the patterns in order (~200 µs through the pages' and allauth's before it). No
    # other pattern matches a Caliper path (tests/events/test_caliper_urls.py), so
    # the order changes no answer.
    *events_api.caliper_urlpatterns,
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("admin/", admin.site.urls),
    path("", include("dashboards.urls")),
    path("accounts/", include("allauth.urls")),
    # "Sign in with Timeback": PKCE, exact redirect URIs (rostering.oidc); then allauth's
    # OIDC provider.
    path("identity/o/authorize", oidc.authorization, name="authorize-with-pkce"),
    # allauth's token endpoint, with the same checks as the partner token paths below.
    path("identity/o/api/token", oidc.token, name="token-checked"),
    path("", include("allauth.idp.urls")),
    path("developers/", include("rostering.portal.urls")),
    # OAuth2 client-credentials tokens for partner servers (allauth's token endpoint, every
    # granted scope); the older `timeback` client asks at /oauth2/token.
    path("auth/1.0/token", oidc.token, name="partner-token"),
    path("oauth2/token", oidc.token, name="partner-token-oauth2"),
    path("ims/oneroster/rostering/v1p2/", include(rostering_api.rostering_urlpatterns)),
    path("ims/oneroster/resources/v1p2/", include(rostering_api.resources_urlpatterns)),
    path("resources/1.0/", include(rostering_api.resources_urlpatterns)),
    path(
        "rostering/1.0/",
        include(rostering_api.partner_urlpatterns + rostering_api.rostering_urlpatterns),
    ),
    # CASE 1.1 competency frameworks.
    path("ims/case/v1p1/", include(standards_api.urlpatterns)),
    # The same, on the LearnWith.AI path profile of Timeback's clients (docs/api.md#path-profiles).
    path("case/1.1/", include(standards_api.urlpatterns)),
    # The closed loop and hole filling (exact /analytics/1.0/ routes).
    *outcomes_api.urlpatterns,
    *remediation_api.urlpatterns,
    # Read-back and EduBridge; before the /gradebook/1.0/ include (exact routes).
    *analytics_api.urlpatterns,
    # OneRoster gradebook: one implementation, two mounts (docs/api.md#path-profiles).
    path("ims/oneroster/gradebook/v1p2/", include(gradebook_api.urlpatterns)),
    path("gradebook/1.0/", include(gradebook_api.urlpatterns)),
    *logger_urls.logger_urlpatterns,
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    # Unknown API URLs answer a JSON 404 even in DEBUG, where Django would render HTML:
    # the official clients fall back from PUT to POST only on a JSON 404. Exempt from CSRF:
    # a POST there (an encoded slash, %2F, splits a segment into two) would otherwise get
    # Django's HTML CSRF page instead of the 404.
    re_path(API_PATH.pattern.replace("^/?", "^"), csrf_exempt(json_not_found)),
]
