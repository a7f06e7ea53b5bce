"""Admin pieces shared by the apps."""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from . import tasks, uploads
from .models import Upload


class NoManualEdits:
    """Refuses add, change and delete in the admin, for a ModelAdmin or an inline."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(NoManualEdits, admin.ModelAdmin):
    """For records the system writes (events, facts, rollups, logs, the XP ledger, mastery):
    browsable, never added, edited or deleted by hand, so what a student earned cannot drift
    from what the events say behind the ledger's back. Corrections go through a service that
    writes a correcting record (e.g. gradebook.services.correct_xp)."""


# --- uploads: one page for every import an administrator runs (core/uploads.py) ---


class UploadForm(forms.Form):
    # The test results importer's --match choices (outcomes.imports.MATCHES; a test keeps
    # them equal, core may not import outcomes).
    MATCHES = (
        ("auto", "sourcedId, else identifier, else email"),
        ("sourcedId", "sourcedId only"),
        ("identifier", "identifier only"),
        ("email", "email only"),
    )

    kind = forms.ChoiceField(label="What is it?")
    file = forms.FileField(label="File")
    mapping = forms.FileField(
        label="Column mapping",
        required=False,
        help_text="State test results only: the mapping of the file's columns, TOML or JSON "
        "(see docs/closed-loop.md).",
    )
    match = forms.ChoiceField(
        label="Find students by",
        choices=MATCHES,
        initial="auto",
        help_text="Test results only: what the file's student id is.",
    )
    strict = forms.BooleanField(
        label="Import nothing if any row is bad",
        required=False,
        help_text="Test results only. A roster bundle is always all or nothing.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, v["label"]) for k, v in uploads.kinds().items()]

    def clean(self):
        data = super().clean()
        limit = settings.UPLOAD_MAX_BYTES
        for name in ("file", "mapping"):
            upload = data.get(name)
            if upload is not None and upload.size > limit:
                self.add_error(name, f"This file is larger than {limit // (1024 * 1024)} MB.")
        kind = uploads.kinds().get(data.get("kind"), {})
        if kind.get("mapping") and not data.get("mapping"):
            self.add_error("mapping", "State test results need their column mapping.")
        return data


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    """Uploads are added through the upload form and never edited: the page of an upload is
    its progress and what its import said."""

    list_display = ("created_at", "kind_label", "file_name", "state", "summary", "created_by")
    list_filter = ("kind", "state")
    list_display_links = ("created_at", "file_name")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="kind")
    def kind_label(self, upload):
        return uploads.kinds().get(upload.kind, {}).get("label", upload.kind)

    def get_urls(self):
        return [
            path(
                "<int:pk>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name="core_upload_progress",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            options = {"match": data["match"], "strict": data["strict"]}
            if data.get("mapping"):
                options["mapping"] = data["mapping"].read().decode("utf-8", errors="replace")
                options["mapping_name"] = uploads.safe_name(data["mapping"].name)
            upload = uploads.create_upload(
                kind=data["kind"],
                file_name=data["file"].name,
                content=data["file"].read(),
                options=options,
                user=request.user,
            )
            tasks.enqueue(upload)
            return redirect("admin:core_upload_change", upload.pk)
        return TemplateResponse(
            request,
            "admin/core/upload/add.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Upload a file to import",
                "form": form,
            },
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        upload = self._visible(request, object_id)
        return TemplateResponse(
            request,
            "admin/core/upload/progress.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": f"Import of {upload.file_name}",
                **self._progress_context(upload),
            },
        )

    def progress_view(self, request, pk):
        """The fragment the progress page polls (htmx) until the import has finished."""
        upload = self._visible(request, pk)
        return TemplateResponse(
            request, "admin/core/upload/_progress.html", self._progress_context(upload)
        )

    def _visible(self, request, pk) -> Upload:
        if not self.has_view_permission(request):
            raise PermissionDenied
        upload = Upload.objects.filter(pk=pk).first()
        if upload is None:
            raise Http404("No such upload.")
        return upload

    def _progress_context(self, upload: Upload) -> dict:
        return {
            "upload": upload,
            "kind_label": self.kind_label(upload),
            "progress": uploads.progress_of(upload),
            "hidden_errors": max(0, upload.error_count - len(upload.errors)),
        }
