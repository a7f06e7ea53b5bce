"""The developer portal (`/developers/`): a developer's partner apps and their OAuth2 client
credentials — create, rotate, revoke, redirect URIs, granted scopes. Thin: rules and writes
live in rostering.partners and rostering.access. Another developer's app answers 404.

Secrets are rendered once, in the answer to the POST that made them, and never stored in
clear text (not in the session, not in messages).
"""

from allauth.idp.oidc.models import Client
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import access, partners


class RedirectURIsForm(forms.Form):
    redirect_uris = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line. Registering one turns on “Sign in with Timeback” for this client.",
    )

    def clean_redirect_uris(self):
        try:
            return partners.clean_redirect_uris(self.cleaned_data["redirect_uris"].splitlines())
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None


def _app_or_404(request, app_id):
    return get_object_or_404(access.partner_apps_visible_to_user(request.user), pk=app_id)


def _client_or_404(app, client_id):
    return get_object_or_404(Client.objects.filter(partner__app=app), pk=client_id)


@require_GET
@login_required
def index(request):
    apps = access.partner_apps_visible_to_user(request.user).annotate(
        client_count=Count("clients", distinct=True), course_count=Count("courses", distinct=True)
    )
    return render(request, "developers/index.html", {"apps": apps})


def _credentials_page(request, app, *, status=200, new_secret=None, forms_by_client=None):
    clients = Client.objects.filter(partner__app=app).order_by("created_at")
    rows = [
        {
            "client": c,
            "scopes": c.get_scopes(),
            "grant_types": c.get_grant_types(),
            "form": (forms_by_client or {}).get(c.pk)
            or RedirectURIsForm(initial={"redirect_uris": "\n".join(c.get_redirect_uris())}),
        }
        for c in clients
    ]
    context = {"app": app, "rows": rows, "new_secret": new_secret}
    return render(request, "developers/credentials.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def credentials(request, app_id):
    """GET lists the app's clients; POST creates a new one and shows its secret once."""
    app = _app_or_404(request, app_id)
    if request.method == "POST":
        client, secret = partners.issue_client_credentials(app=app)
        return _credentials_page(request, app, new_secret={"client": client, "secret": secret})
    return _credentials_page(request, app)


@require_POST
@login_required
def rotate(request, app_id, client_id):
    app = _app_or_404(request, app_id)
    client = _client_or_404(app, client_id)
    secret = partners.rotate_client_secret(client=client)
    return _credentials_page(request, app, new_secret={"client": client, "secret": secret})


@require_POST
@login_required
def revoke(request, app_id, client_id):
    app = _app_or_404(request, app_id)
    partners.revoke_client(client=_client_or_404(app, client_id))
    return redirect("developers:credentials", app_id=app.pk)


@require_POST
@login_required
def redirect_uris(request, app_id, client_id):
    app = _app_or_404(request, app_id)
    client = _client_or_404(app, client_id)
    form = RedirectURIsForm(request.POST)
    if not form.is_valid():
        return _credentials_page(request, app, status=400, forms_by_client={client.pk: form})
    partners.set_redirect_uris(client=client, uris=form.cleaned_data["redirect_uris"])
    return redirect("developers:credentials", app_id=app.pk)
