"""/developers/: the portal index and credential management. `/developers/apps/{id}/` itself
is the developer dashboard (dashboards app); these pages link to it."""

from django.urls import path

from . import views

app_name = "developers"
urlpatterns = [
    path("", views.index, name="index"),
    path("apps/<int:app_id>/credentials/", views.credentials, name="credentials"),
    path("apps/<int:app_id>/credentials/<str:client_id>/rotate/", views.rotate, name="rotate"),
    path("apps/<int:app_id>/credentials/<str:client_id>/revoke/", views.revoke, name="revoke"),
    path(
        "apps/<int:app_id>/credentials/<str:client_id>/redirect-uris/",
        views.redirect_uris,
        name="redirect-uris",
    ),
]
