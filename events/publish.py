"""A task message published with Celery's own message builder and a producer kept per
process (issue 16, docs/performance.md): `apply_async` spends ~0.45 ms of CPU per call
(the options merged again, the route looked up again, a producer taken from the pool and
given back), which a single-event POST pays on every request.

The route and the producer are what `apply_async` would use; the message is
`app.amqp.create_task_message`'s and is sent by `app.amqp.send_task_message` (which sends
`before_task_publish`/`after_task_publish`: timeback.celery stamps `queued_at`).
tests/integration/test_lean_publish.py checks that the message equals `apply_async`'s.

Eager mode (the demo) and publishes from inside a worker task (whose messages carry their
parent and root ids) go through `apply_async`. A failed publish raises, without retrying
or pausing (the caller's events are stored and the sweep re-queues them), and the kept
producer is let go, so the next publish connects again.
"""

import os
import uuid

_kept: dict = {}  # (pid, broker URL, task name) -> _Publisher


class _Publisher:
    def __init__(self, task):
        app = task.app
        self.app = app
        self.name = task.name
        # The options apply_async gives this task (its own, then its route), once; those
        # left unset are send_task's defaults.
        options = {**task._get_exec_options(), **app.amqp.router.route({}, task.name, (), {}, task)}
        self.options = {key: value for key, value in options.items() if value is not None}
        self.ignore_result = task.ignore_result
        self.producer = app.producer_pool.acquire(block=True)

    def send(self, args: list, argsrepr: str) -> None:
        amqp = self.app.amqp
        task_id = str(uuid.uuid4())
        message = amqp.create_task_message(
            task_id,
            self.name,
            args,
            {},
            reply_to=self.app.thread_oid,
            ignore_result=self.ignore_result,
            argsrepr=argsrepr,
            retry=False,
            **self.options,
        )
        amqp.send_task_message(
            self.producer, self.name, message, argsrepr=argsrepr, retry=False, **self.options
        )

    def close(self) -> None:
        self.producer.release()


def publish(task, args: list, argsrepr: str) -> None:
    app = task.app
    if app.conf.task_always_eager or app.current_worker_task is not None:
        task.apply_async(args=args, retry=False, argsrepr=argsrepr)
        return
    key = (os.getpid(), app.conf.broker_url, task.name)
    publisher = _kept.get(key) or _kept.setdefault(key, _Publisher(task))
    try:
        publisher.send(args, argsrepr)
    except Exception:
        del _kept[key]
        publisher.close()
        raise
