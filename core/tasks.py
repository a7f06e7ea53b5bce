"""Celery tasks of core and their hand-off: thin, safe to run twice."""

import logging

from celery import shared_task
from django.db import transaction

from . import uploads
from .models import Upload

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def run_upload(upload_id: int) -> str | None:
    upload = uploads.run(upload_id)
    return upload.state if upload is not None else None


def enqueue(upload: Upload) -> None:
    """Run an upload's import on a worker once the upload is committed; in the request when
    tasks run eagerly (no broker, the demo) or the broker cannot be reached."""

    def send():
        try:
            run_upload.apply_async(args=[upload.pk], retry=False)
        except Exception as error:  # noqa: BLE001 - any broker failure: import right here
            logger.warning("Could not queue upload %s (%s); importing now", upload.pk, error)
            uploads.run(upload.pk)

    transaction.on_commit(send)
