"""URL patterns of the remediation API surface (mounted in timeback/urls.py)."""

urlpatterns = []
