"""gunicorn settings of the production command (README, "Production shape"):
`gunicorn -c gunicorn.conf.py timeback.wsgi`.

The request limits are gunicorn's maximums: a request line up to 8,190 bytes reaches Django,
whose API errors are JSON (gunicorn's own refusals are HTML pages, so they should be rare);
a proxy in front should keep its limits at or below these."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
limit_request_line = 8190  # gunicorn's maximum (its default, 4,094, cut long filter URLs)
limit_request_fields = 100
limit_request_field_size = 8190
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
