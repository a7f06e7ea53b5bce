import logging
import os
import threading
import time

from celery import Celery
from celery.signals import before_task_publish, task_prerun, worker_ready
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timeback.settings")

app = Celery("timeback")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


@before_task_publish.connect
def stamp_queued_at(headers=None, **kwargs):
    """Every message says when it was published (header `queued_at`, epoch seconds): the
    sweep, a task too, leaves alone the events handed over after it was queued, whose tasks
    are still waiting behind it (events.sweep)."""
    if headers is not None:
        headers.setdefault("queued_at", time.time())


@task_prerun.connect
def check_database_connections(task=None, **kwargs):
    """A worker keeps its database connection from task to task (CELERY_DB_REUSE_MAX), so it
    is checked before each task as Django checks a web process's before each request: one
    that failed or outlived CONN_MAX_AGE is closed, and the next query's health check
    (timeback/postgresql) reconnects if PostgreSQL hung up meanwhile. Unchecked, a connection
    a PostgreSQL restart had ended was reused, and failed, by every later task.
    A task run in process (eager) uses its caller's connection, maybe inside the caller's
    transaction: that one is the caller's to check."""
    if task is not None and getattr(task.request, "is_eager", False):
        return
    close_old_connections()


@worker_ready.connect
def ask_for_the_sweep_periodically(sender=None, **kwargs):
    """Every worker asks for the sweep each SWEEP_EVERY_SECONDS (events.tasks.sweep_if_due,
    run once a period across workers), so lost or parked events are recovered even when
    `celery beat` is not running (docs/operations.md#nothing-accepted-is-lost).

    A thread of the worker's main process, not the consumer's timer: the consumer restarts
    its event loop after a broker outage, and the asking must survive exactly that. It only
    publishes; the sweep itself runs as a task in the pool."""
    from django.conf import settings

    every = settings.SWEEP_EVERY_SECONDS
    if every <= 0:
        return

    def ask_forever():
        while True:
            time.sleep(every)
            try:
                app.send_task("events.tasks.sweep_if_due")
            except Exception:  # noqa: BLE001 - broker down: ask again next period
                logger.warning(
                    "could not ask for the sweep (broker down?); retrying", exc_info=True
                )

    threading.Thread(target=ask_forever, name="timeback-sweep-clock", daemon=True).start()
