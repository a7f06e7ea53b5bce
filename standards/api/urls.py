"""URL patterns of the CASE 1.1 surface, mounted at /ims/case/v1p1/ (and /case/1.1/, the
LearnWith.AI path profile of Timeback's clients) in timeback/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("CFDocuments", views.DocumentList.as_view(), name="case-documents"),
    path("CFDocuments/<str:sourced_id>", views.DocumentDetail.as_view(), name="case-document"),
    path("CFItems", views.ItemList.as_view(), name="case-items"),
    path("CFItems/<str:sourced_id>", views.ItemDetail.as_view(), name="case-item"),
    path(
        "CFAssociations/<str:sourced_id>",
        views.AssociationDetail.as_view(),
        name="case-association",
    ),
    path("CFPackages", views.PackageCreate.as_view(), name="case-packages"),
    path("CFPackages/<str:sourced_id>", views.PackageDetail.as_view(), name="case-package"),
    path(
        "CFPackages/<str:sourced_id>/groups",
        views.PackageGroups.as_view(),
        name="case-package-groups",
    ),
]
