"""URL patterns of the outcomes API surface (mounted in timeback/urls.py)."""

urlpatterns = []
