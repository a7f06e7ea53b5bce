"""URL patterns of the standards API surface (mounted in timeback/urls.py)."""

urlpatterns = []
