"""One upload mechanism for every import an administrator runs from the admin: the file is
stored (core.models.Upload), its import runs as a Celery task (core.tasks.enqueue) (in the request when there is no
broker, as in the demo), and reports its progress, which the admin page polls with htmx; the
rows it could not import are kept with file, line, field and reason.

Each kind of upload names its importer in `settings.UPLOAD_KINDS` (core imports no app, as
with PARTNER_APP_FOR_CLIENT):

    UPLOAD_KINDS = {"oneroster": {"label": "...", "importer": "rostering.uploads.import_bundle"}, ...}

An importer is `importer(path, options, progress) -> Outcome`; `path` is the uploaded file
under its own name (error messages name it), `progress(done, total, phase)` may be called as
often as it likes. Progress lives in the cache, not the database: the import writes inside a
transaction that other connections cannot see into until it ends.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import Upload

logger = logging.getLogger(__name__)

MAX_STORED_ERRORS = 1000
PROGRESS_TTL = 24 * 3600


@dataclass
class Outcome:
    """What an importer says: `ok` False means nothing was written."""

    ok: bool
    summary: str
    errors: list[dict] = field(default_factory=list)  # {"file", "line", "field", "message"}
    notes: list[str] = field(default_factory=list)


Progress = Callable[[int, int, str], None]


def kinds() -> dict[str, dict]:
    return settings.UPLOAD_KINDS


def safe_name(name: str) -> str:
    """The uploaded file's own name without any directory a browser may send."""
    return PurePath(name.replace("\\", "/")).name[:255] or "upload"


def create_upload(*, kind: str, file_name: str, content: bytes, options: dict, user) -> Upload:
    if kind not in kinds():
        raise ValueError(f"unknown upload kind '{kind}'")
    return Upload.objects.create(
        kind=kind,
        file_name=safe_name(file_name),
        content=content,
        options=options,
        created_by=user if user is not None and user.is_authenticated else None,
    )


def _progress_key(upload_id: int) -> str:
    return f"upload-progress:{upload_id}"


def report_progress(upload_id: int, done: int, total: int, phase: str) -> None:
    cache.set(
        _progress_key(upload_id),
        {"done": max(0, done), "total": max(0, total), "phase": phase},
        PROGRESS_TTL,
    )


def progress_of(upload: Upload) -> dict:
    """{"percent": 0..100 or None (not known yet), "phase": text} for the page."""
    if upload.finished:
        return {"percent": 100, "phase": ""}
    live = cache.get(_progress_key(upload.pk)) or {}
    total = live.get("total") or 0
    percent = min(99, 100 * live.get("done", 0) // total) if total else None
    return {"percent": percent, "phase": live.get("phase", "")}


def run(upload_id: int) -> Upload | None:
    """Import an upload; safe to run twice (a finished upload is left alone, and each
    importer writes all it writes in one transaction, so a run cut short wrote nothing)."""
    upload = Upload.objects.filter(pk=upload_id).first()
    if upload is None or upload.finished:
        return upload
    Upload.objects.filter(pk=upload.pk).update(
        state=Upload.State.RUNNING, started_at=timezone.now()
    )
    report_progress(upload.pk, 0, 0, "reading the file")
    importer = import_string(kinds()[upload.kind]["importer"])
    with tempfile.TemporaryDirectory(prefix="timeback-upload-") as folder:
        path = Path(folder) / upload.file_name
        path.write_bytes(bytes(upload.content))
        try:
            outcome = importer(
                path,
                dict(upload.options),
                lambda done, total, phase: report_progress(upload.pk, done, total, phase),
            )
        except Exception as error:
            logger.exception("Upload %s failed", upload.pk)
            outcome = Outcome(False, f"The import failed, nothing was written: {error}")
    upload.state = Upload.State.DONE if outcome.ok else Upload.State.FAILED
    upload.summary = outcome.summary
    upload.errors = outcome.errors[:MAX_STORED_ERRORS]
    upload.error_count = len(outcome.errors)
    upload.notes = outcome.notes[:MAX_STORED_ERRORS]
    upload.finished_at = timezone.now()
    upload.save(update_fields=["state", "summary", "errors", "error_count", "notes", "finished_at"])
    cache.delete(_progress_key(upload.pk))
    return upload


def row_errors(errors) -> list[dict]:
    """Errors with file, line, field and message attributes (the importers' RowError) as the
    dicts an Outcome keeps."""
    return [
        {"file": e.file, "line": e.line, "field": e.field, "message": e.message} for e in errors
    ]
