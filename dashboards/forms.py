"""The guide's small form to close or adjust a student's hole-filling plan."""

from django import forms


class PlanChangeForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("close", "Close the plan"), ("adjust", "Take standards out")]
    )
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    # Identifiers of standards to take out (adjust only); checked against the plan by the service.
    standards = forms.MultipleChoiceField(required=False, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any identifier is accepted here; remediation.services.adjust_plan refuses those
        # not in the plan, with a message.
        submitted = self.data.getlist("standards") if hasattr(self.data, "getlist") else []
        self.fields["standards"].choices = [(s, s) for s in submitted]

    def clean(self):
        data = super().clean()
        if data.get("action") == "adjust" and not data.get("standards"):
            raise forms.ValidationError("Choose the standards to take out of the plan.")
        return data
