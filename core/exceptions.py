"""Domain exceptions: raised by access rules and services, whatever called them.

They carry no HTTP: the API's exception handler (core.api.errors) answers `AccessDenied`
with 403 and `NotVisible` with 404 in the OneRoster error format; the admin, the CSV import
and the workers catch them like any other refusal.
"""

from django.core.exceptions import PermissionDenied


class AccessDenied(PermissionDenied):
    """The caller may not do this; the message says why and what would be allowed.

    A PermissionDenied, so Django's own views (the admin, the dashboards) answer 403 too."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotVisible(Exception):
    """The object does not exist for this caller (outside what it may see): 404, never a
    hint that it exists."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
