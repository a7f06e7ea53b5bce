import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timeback.settings")
application = get_wsgi_application()

# Load every view module now, then move the ~100k long-lived objects of Django and the
# libraries out of the garbage collector's sight: otherwise each full collection walks them
# all and stalls a request for ~50-90 ms (measured by bench/rostering_users.py).
get_resolver().url_patterns  # noqa: B018 - the access imports every view module
gc.freeze()
