"""The gradebook admin. Learning records the engine writes (the XP ledger, flags, item
results, mastery credits, lesson masteries) are read-only: XP is corrected by a correcting
ledger entry (services.correct_xp, the "Correct XP" action). Assessment results written
through the gradebook API change here only through the API's own service, so what they earn
follows; results the engine derived from events are read-only (send an event instead)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.response import TemplateResponse

from core.admin import ReadOnlyAdmin
from core.exceptions import AccessDenied

from . import access, services
from .credit import EVENT_RESULT_PREFIX
from .models import (
    AssessmentLineItem,
    AssessmentResult,
    Category,
    ItemResult,
    LessonMastery,
    LineItem,
    MasteryCredit,
    Result,
    ScoreScale,
    XpEntry,
    XpFlag,
)


class XpCorrectionForm(forms.Form):
    amount = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text="XP to add to the student's ledger for this entry's day; negative withdraws.",
    )
    reason = forms.CharField(max_length=200, help_text="Kept in the entry's admin history.")


@admin.register(XpEntry)
class XpEntryAdmin(ReadOnlyAdmin):
    list_display = ("occurred_on", "student", "course", "amount", "kind", "source_key", "seq")
    list_filter = ("kind", "occurred_on")
    search_fields = ("source_key", "student__sourced_id", "student__username")
    list_select_related = ("student", "course")
    actions = ("correct_xp",)

    def has_correct_permission(self, request):
        return request.user.has_perm("gradebook.add_xpentry")

    @admin.action(description="Correct XP (writes a correcting entry)", permissions=["correct"])
    def correct_xp(self, request, queryset):
        """The ledger is never edited: a correction is a new entry, written by the same
        service whatever asks for it."""
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one entry to correct.", messages.ERROR)
            return None
        entry = queryset.select_related("student", "course").get()
        form = XpCorrectionForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            try:
                correction = services.correct_xp(entry=entry, amount=form.cleaned_data["amount"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                reason = form.cleaned_data["reason"]
                self.log_addition(
                    request, correction, f"Correction of {entry.source_key}: {reason}"
                )
                self.message_user(
                    request,
                    f"Wrote a correcting entry of {correction.amount} XP for "
                    f"{entry.student} on {entry.occurred_on}.",
                    messages.SUCCESS,
                )
                return None
        return TemplateResponse(
            request,
            "admin/gradebook/xpentry/correct_xp.html",
            {
                **self.admin_site.each_context(request),
                "title": "Correct XP",
                "opts": self.model._meta,
                "entry": entry,
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )


@admin.register(XpFlag)
class XpFlagAdmin(ReadOnlyAdmin):
    list_display = ("occurred_on", "student", "course", "reported_xp", "active_seconds", "flagged")
    list_filter = ("flagged", "partner_app")
    list_select_related = ("student", "course")


@admin.register(AssessmentLineItem)
class AssessmentLineItemAdmin(admin.ModelAdmin):
    list_display = ("sourced_id", "title", "course", "lesson", "status")
    search_fields = ("sourced_id", "title")
    list_select_related = ("course", "lesson")
    raw_id_fields = ("course", "lesson", "klass", "parent", "score_scale")


class AssessmentResultForm(forms.ModelForm):
    def clean_sourced_id(self):
        sourced_id = self.cleaned_data["sourced_id"]
        try:
            access.require_writable_result(sourced_id)
        except AccessDenied as refused:
            raise ValidationError(str(refused)) from None
        return sourced_id


@admin.register(AssessmentResult)
class AssessmentResultAdmin(admin.ModelAdmin):
    form = AssessmentResultForm
    list_display = (
        "sourced_id",
        "student",
        "line_item",
        "score",
        "score_status",
        "score_date",
        "status",
    )
    list_filter = ("score_status", "status")
    search_fields = ("sourced_id", "student__sourced_id")
    list_select_related = ("student", "line_item")
    raw_id_fields = ("student", "line_item", "course", "lesson", "score_scale")

    @staticmethod
    def engine_written(obj) -> bool:
        return obj is not None and obj.sourced_id.startswith(EVENT_RESULT_PREFIX)

    def has_change_permission(self, request, obj=None):
        return not self.engine_written(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self.engine_written(obj) and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # A result's sourcedId names it in the ledger's keys: it never changes.
        return ("sourced_id",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        """Through the gradebook API's service: the result and what it earns (XP, mastered
        units, lesson mastery, rollups) change together."""
        fields = {name: value for name, value in form.cleaned_data.items() if name != "sourced_id"}
        result, _ = services.upsert_assessment_result(sourced_id=obj.sourced_id, **fields)
        obj.pk, obj._state.adding = result.pk, False

    def delete_model(self, request, obj):
        services.soft_delete_assessment_result(obj)  # as the API's DELETE: XP withdrawn

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for result in queryset:
            if not self.engine_written(result):
                services.soft_delete_assessment_result(result)


@admin.register(ItemResult, MasteryCredit, LessonMastery)
class LearningFactAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "student", "course")
    list_select_related = ("student", "course")
    search_fields = ("student__sourced_id",)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("sourced_id", "title", "weight", "partner_app", "status")
    list_filter = ("status", "partner_app")
    search_fields = ("sourced_id", "title")


@admin.register(ScoreScale)
class ScoreScaleAdmin(admin.ModelAdmin):
    list_display = ("sourced_id", "title", "type", "klass", "status")
    list_filter = ("status",)
    search_fields = ("sourced_id", "title", "klass__sourced_id")
    list_select_related = ("klass",)
    raw_id_fields = ("klass", "course")


@admin.register(LineItem)
class LineItemAdmin(admin.ModelAdmin):
    list_display = ("sourced_id", "title", "klass", "category", "due_date", "status")
    list_filter = ("status", "category")
    search_fields = ("sourced_id", "title", "klass__sourced_id")
    list_select_related = ("klass", "category")
    raw_id_fields = (
        "klass",
        "school",
        "category",
        "grading_period",
        "academic_session",
        "score_scale",
    )


@admin.register(Result)
class ResultAdmin(admin.ModelAdmin):
    list_display = ("sourced_id", "student", "line_item", "score", "score_status", "score_date")
    list_filter = ("score_status", "status")
    search_fields = ("sourced_id", "student__sourced_id", "line_item__sourced_id")
    list_select_related = ("student", "line_item")
    raw_id_fields = ("student", "line_item", "klass", "score_scale")
