"""Django's PostgreSQL backend with a health check that costs no round trip.

CONN_HEALTH_CHECKS makes Django send `SELECT 1` before the first query of every request
that reuses a kept connection: after a PostgreSQL restart each worker's connection is dead,
and the check reconnects instead of answering 500. That is one of the three round trips of
a single-event Caliper POST (~150 µs of the web process's CPU, issue 16).

A server that ends a connection (a restart, a fast or smart shutdown, pg_terminate_backend,
idle_session_timeout) first sends its FATAL message and closes the socket, so the socket
of the idle connection turns readable. Here the check asks the kernel (a zero-timeout
select) whether the idle socket has anything to read: nothing means the server has said
nothing since the last answer and the connection is reused as is; anything (the hang-up,
or an unexpected message) and Django's own `SELECT 1` check decides. A peer that vanished
without a word (a cut network) is not seen by either check until TCP gives up.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and not self.pool
            and self._idle_and_quiet()
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _idle_and_quiet(self) -> bool:
        """The connection is open, outside a transaction, and its socket has nothing to
        read (the server has not hung up)."""
        connection = self.connection
        try:
            if connection.closed or connection.broken:
                return False
            if connection.info.transaction_status != base.Database.pq.TransactionStatus.IDLE:
                return False
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError, base.Database.Error):
            return False
        return not readable
