"""Ralph LRS 5.1 on its file-system backend, for bench/peers.py (run with Ralph's own
virtualenv's python): `ralph_server.py PORT`; configured by RALPH_* environment variables.

Ralph's `fs` backend writes with the data backend's default operation, CREATE, which refuses
an existing file: every POST after the first answers 500 "already exists and overwrite is
not allowed". Appending is what an LRS store needs, so the launcher sets the backend's
default operation to APPEND before the app is imported (nothing in site-packages is
edited)."""

import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

from ralph.api import app  # noqa: E402 - after the patch

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
