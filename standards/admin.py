"""The frameworks in the admin: browsable, imported (file or URL) through the same service as
`manage.py import_case` and the CASE API, deleted whole; never edited row by row, so that a
framework stays what its publisher's package says (re-import a corrected package instead)."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from core.admin import NoManualEdits, ReadOnlyAdmin

from . import services
from .models import CFAssociation, CFDefinition, CFDocument, CFItem

NOTES_SHOWN = 20


class PackageUploadForm(forms.Form):
    file = forms.FileField(required=False, help_text="A CFPackage JSON file (CASE 1.0 or 1.1).")
    url = forms.URLField(
        required=False,
        assume_scheme="https",
        help_text="Or the URL of one, e.g. https://…/ims/case/v1p1/CFPackages/<identifier>.",
    )

    def clean(self):
        data = super().clean()
        if bool(data.get("file")) == bool(data.get("url")):
            raise forms.ValidationError("Give either a file or a URL.")
        return data


@admin.register(CFDocument)
class CFDocumentAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "identifier",
        "subject",
        "item_count",
        "last_change_date_time",
        "updated_at",
    )
    search_fields = ("title", "identifier", "publisher")
    readonly_fields = [f.name for f in CFDocument._meta.fields]
    change_list_template = "admin/standards/cfdocument/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_items=Count("items"))

    @admin.display(description="items", ordering="n_items")
    def item_count(self, obj):
        return obj.n_items

    def has_add_permission(self, request):
        return False  # frameworks are imported (the "Import a CFPackage" button), not typed

    def has_change_permission(self, request, obj=None):
        return False

    def get_deleted_objects(self, objs, request):
        # A framework goes whole: its items, associations and definitions (read-only one by
        # one) go with it, without their own delete permission.
        deleted, counts, _, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def delete_model(self, request, obj):
        services.delete_document(obj)

    def delete_queryset(self, request, queryset):
        for document in queryset:
            services.delete_document(document)

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="standards_cfdocument_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not request.user.has_perm("standards.add_cfdocument"):
            raise PermissionDenied
        form = (
            PackageUploadForm(request.POST, request.FILES)
            if request.method == "POST"
            else PackageUploadForm()
        )
        if form.is_bound and form.is_valid():
            try:
                if form.cleaned_data["file"]:
                    upload = form.cleaned_data["file"]
                    if upload.size > settings.CASE_PACKAGE_MAX_BYTES:
                        raise services.PackageRejected(
                            [f"the file is larger than {settings.CASE_PACKAGE_MAX_BYTES} bytes"]
                        )
                    result = services.import_package_bytes(upload.read())
                else:
                    result = services.import_package_from(form.cleaned_data["url"])
            except services.PackageRejected as rejected:
                for problem in rejected.problems[: services.MAX_LISTED_PROBLEMS]:
                    form.add_error(None, problem)
            else:
                verb = "Imported" if result.created else "Updated"
                messages.success(
                    request,
                    f"{verb} {result.document.title}: {result.items} items, "
                    f"{result.associations} associations, {result.definitions} definitions.",
                )
                for note in result.notes[:NOTES_SHOWN]:
                    messages.info(request, f"Note: {note}")
                if len(result.notes) > NOTES_SHOWN:
                    messages.info(request, f"… and {len(result.notes) - NOTES_SHOWN} more notes.")
                return redirect("admin:standards_cfdocument_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": "Import a CASE CFPackage",
        }
        return TemplateResponse(request, "admin/standards/cfdocument/import.html", context)


@admin.register(CFItem)
class CFItemAdmin(ReadOnlyAdmin):
    list_display = ("human_coding_scheme", "full_statement", "cf_item_type", "document")
    list_filter = ("document",)
    search_fields = ("identifier", "human_coding_scheme", "full_statement", "uri")
    list_select_related = ("document",)


@admin.register(CFAssociation)
class CFAssociationAdmin(ReadOnlyAdmin):
    list_display = ("association_type", "origin_title", "destination_title", "document")
    list_filter = ("association_type", "document")
    search_fields = ("identifier", "origin_identifier", "destination_identifier")
    list_select_related = ("document",)


@admin.register(CFDefinition)
class CFDefinitionAdmin(NoManualEdits, admin.ModelAdmin):
    list_display = ("kind", "title", "identifier", "document")
    list_filter = ("kind",)
    search_fields = ("identifier", "title")
