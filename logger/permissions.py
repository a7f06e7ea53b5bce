"""Who may call the progress-tracking ("logger") API: a partner token with the scope of the
method (writing progress is sending learning data, as Caliper; reading it is analytics), or
a logged-in user acting for themselves. Which students and content a caller then reaches is
decided by `selectors.in_reach` and `selectors.student_for`."""

from allauth.idp.oidc.models import Token
from rest_framework.permissions import BasePermission

from core import scopes
from core.api.auth import HasScope, IsTokenAuthenticated

REQUIRED_SCOPES = {
    "GET": [scopes.ANALYTICS_READONLY],
    "POST": [scopes.EVENTS_WRITE],
    "PUT": [scopes.EVENTS_WRITE],
}


class StudentOrScopedPartner(BasePermission):
    """A partner token with the scope the view asks for, or a logged-in user (acting for
    themselves)."""

    def has_permission(self, request, view):
        if isinstance(request.auth, Token):
            scope = HasScope()
            allowed = IsTokenAuthenticated().has_permission(request, view) and scope.has_permission(
                request, view
            )
            self.message = getattr(scope, "message", None) or IsTokenAuthenticated.message
            return allowed
        return request.user is not None and request.user.is_authenticated
