"""The one owner of the PostgreSQL advisory-lock key space.

Every advisory lock of the project is a two-key lock `(space, key)`: the first key names
the key space (one constant per use, below, all different), the second is the CRC-32 of
what is locked, as a signed int4. Two uses can therefore never block each other by
accident: a collision of the second key inside one space only serialises two unrelated
items of the same kind for a moment, and nothing of another space shares a first key.
(PostgreSQL keeps one-key `bigint` locks apart from two-key locks: `objsubid` 1 and 2 in
`pg_locks`.) A new use adds a space here rather than inventing its own keys.

Locks are transaction-level (`pg_advisory_xact_lock`): released at commit or rollback, so
no code path can leak one. All the keys a transaction needs are taken in one statement in
ascending order, so two transactions that need overlapping sets cannot deadlock.
"""

import uuid
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction


@dataclass(frozen=True)
class KeySpace:
    """One use of advisory locks: `id` is its first key (an int4), `name` says what it
    serialises."""

    id: int
    name: str


# Two ASCII letters each, readable in pg_locks.classid (hex).
JOBS = KeySpace(0x4A42, "envelopes a worker is processing (shared; read by job status)")  # "JB"
XP_SOURCES = KeySpace(0x5850, "XP sources being recomputed")  # "XP"
ROLLUPS = KeySpace(0x524C, "(student, course, day) daily rollups being recomputed")  # "RL"
# Taken after XP_SOURCES and before ROLLUPS, by writers of an XP correction only.
XP_TOTALS = KeySpace(0x5854, "(student, course, app) XP totals a correction is bounded by")  # "XT"

OUTCOMES = KeySpace(0x4F43, "the closed loop's outcomes being recomputed")  # "OC"
# Only ever tried (`xact_try_lock`), never waited for: one session at a time settles what
# committed Caliper batches left pending (lesson masteries, rollups); the others go on.
SETTLERS = KeySpace(0x5354, "the one session settling what batches left pending")  # "ST"

SPACES = (JOBS, XP_SOURCES, ROLLUPS, XP_TOTALS, OUTCOMES, SETTLERS)

Key = str | bytes | uuid.UUID


def key_of(value: Key) -> int:
    """The second key of what is locked: CRC-32 of its bytes (a UUID's 16 bytes, a
    string's UTF-8), shifted into the signed int4 range PostgreSQL's two-key form takes."""
    if isinstance(value, uuid.UUID):
        data = value.bytes
    elif isinstance(value, str):
        data = value.encode()
    else:
        data = bytes(value)
    return zlib.crc32(data) - 2**31


def xact_lock(space: KeySpace, values: Iterable[Key], *, shared: bool = False) -> None:
    """Take the space's advisory locks on `values` until the transaction ends, waiting for
    any holder. Shared locks do not wait on each other, only on exclusive ones."""
    statement = xact_lock_statement(space, values, shared=shared)
    if statement is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(*statement)


def xact_try_lock(space: KeySpace, value: Key) -> bool:
    """Take the space's advisory lock on `value` until the transaction ends if no other
    session holds it; answers whether taken. Never waits."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [space.id, key_of(value)])
        return cursor.fetchone()[0]


def xact_lock_statement(
    space: KeySpace, values: Iterable[Key], *, shared: bool = False
) -> tuple[str, list] | None:
    """The statement (SQL, params) `xact_lock` runs, for a caller that sends it ahead of
    other statements in one round trip (each statement of a multi-statement query gets its
    own snapshot, so what follows the lock sees what the lock's last holder committed);
    None when there is nothing to lock."""
    keys = sorted({key_of(value) for value in values})
    if not keys:
        return None
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    # One statement for all the keys; PostgreSQL evaluates volatile output expressions
    # in ORDER BY order, so the locks are taken in ascending order.
    return (
        f"SELECT {function}(%s, k) FROM unnest(%s::int[]) AS k ORDER BY k",
        [space.id, keys],
    )


def is_held(space: KeySpace, value: Key) -> bool:
    """Whether any session holds the space's lock on `value` right now. Reads pg_locks and
    takes no lock itself, so asking never delays a holder."""
    # A two-key advisory lock shows as classid = key 1, objid = key 2 (as an oid), objsubid 2.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND objsubid = 2 AND classid = %s AND objid = (%s::bigint & 4294967295)::oid)",
            [space.id, key_of(value)],
        )
        return cursor.fetchone()[0]


SETTLE_ROUNDS = 10  # transactions a settling runs at most before leaving the rest
SETTLE_ROWS = 5000  # pending rows one of them claims at most


def settle_pending(model, name: str, columns: str, handle) -> int:
    """Hand `handle` the oldest committed rows of `model`, a table of pending work with no
    unique key (claimed with DELETE ... RETURNING `columns`, at most SETTLE_ROWS a
    transaction), in transactions of their own; answers the sum of what `handle` answers.
    One session at a time settles a table, under a tried lock (`SETTLERS`, `name`): a
    session that finds it held goes on at once, since the holder looks for rows again after
    each commit, so it finds any row committed while it held the lock."""
    done = 0
    if not model.objects.exists():
        return done  # (a writer's own rows are committed before it settles: never missed)
    table = connection.ops.quote_name(model._meta.db_table)
    claim = (
        f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} ORDER BY id LIMIT %s)"
        f" RETURNING {columns}"
    )
    for _ in range(SETTLE_ROUNDS):
        with transaction.atomic():
            if not xact_try_lock(SETTLERS, name):
                return done
            with connection.cursor() as cursor:
                cursor.execute(claim, [SETTLE_ROWS])
                rows = cursor.fetchall()
            done += handle(rows)
        if not model.objects.exists():
            break
    return done
