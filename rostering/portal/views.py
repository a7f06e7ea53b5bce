"""The developer portal (`/developers/`): a developer's partner apps and their OAuth2 client
credentials — create, rotate, revoke, redirect URIs, granted scopes. Thin: rules and writes
live in rostering.partners and rostering.access. Another developer's app answers 404.

Rotate and Revoke ask first: their GET is a confirmation page whose form POSTs. Every POST
answers with a redirect (POST-redirect-GET), so reloading the page after one does nothing. A
new secret travels to the one GET that shows it through the session and is removed from it
there (docs/decisions.md, "The developer portal shows a new secret after a redirect"); it is
stored hashed everywhere else.
"""

from allauth.idp.oidc.models import Client
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
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


# The session key holding a just-made secret until the credentials page has shown it once.
NEW_SECRET_KEY = "developers:new-secret"


def _show_secret_once(request, app, client, secret):
    request.session[NEW_SECRET_KEY] = {"app": app.pk, "client_id": client.pk, "secret": secret}
    return redirect("developers:credentials", app_id=app.pk)


def _take_new_secret(request, app):
    # Only this app's page takes it: opening another app's page first must not lose it.
    pending = request.session.get(NEW_SECRET_KEY)
    if not pending or pending.get("app") != app.pk:
        return None
    del request.session[NEW_SECRET_KEY]
    return {"client_id": pending["client_id"], "secret": pending["secret"]}


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


# never_cache: the page may carry a secret, which the browser must not keep for Back.
@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def credentials(request, app_id):
    """GET lists the app's clients (with a just-made secret, once); POST creates a new
    client and redirects here."""
    app = _app_or_404(request, app_id)
    if request.method == "POST":
        client, secret = partners.issue_client_credentials(app=app)
        return _show_secret_once(request, app, client, secret)
    return _credentials_page(request, app, new_secret=_take_new_secret(request, app))


CONFIRMATIONS = {
    "rotate": {
        "title": "Rotate the secret",
        "explanation": "The current secret and every token obtained with it stop working at "
        "once. A new secret is shown once, on the next page.",
        "button": "Rotate the secret",
    },
    "revoke": {
        "title": "Revoke the client",
        "explanation": "The client is deleted: its secret and every token obtained with it stop "
        "working at once. This cannot be undone.",
        "button": "Revoke the client",
    },
}


def _confirmation_page(request, app, client, action):
    context = {"app": app, "client": client, "action": action, **CONFIRMATIONS[action]}
    return render(request, "developers/confirm.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def rotate(request, app_id, client_id):
    app = _app_or_404(request, app_id)
    client = _client_or_404(app, client_id)
    if request.method == "GET":
        return _confirmation_page(request, app, client, "rotate")
    secret = partners.rotate_client_secret(client=client)
    return _show_secret_once(request, app, client, secret)


@require_http_methods(["GET", "POST"])
@login_required
def revoke(request, app_id, client_id):
    app = _app_or_404(request, app_id)
    client = _client_or_404(app, client_id)
    if request.method == "GET":
        return _confirmation_page(request, app, client, "revoke")
    partners.revoke_client(client=client)
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
