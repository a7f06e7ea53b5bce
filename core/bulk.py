"""Many rows of one model written by one statement that carries them as one JSON document.

`bulk_create` prepares every value of every row through its field (`get_db_prep_save`) and
hands psycopg a placeholder per value, which it quotes one by one into a statement never
the same twice: for the pipeline's batches (a hundred facts, ledger entries, flags... per
table) that was most of a batch's Python time. Here the rows travel as one JSON array,
written by orjson, that PostgreSQL reads back as typed records (`json_to_recordset`).

Same rows as bulk_create: every concrete column is written, a value missing from a row is
its field's default (`auto_now`/`auto_now_add` fields: now). Like bulk_create, no signal
is sent and no `save()` runs. Decimals travel as text, read by PostgreSQL at the column's
precision.
"""

from decimal import Decimal

import orjson
from django.db import connection, models
from django.utils import timezone


def _encode(value):
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _columns(model) -> list[models.Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if not (field.primary_key and isinstance(field, models.AutoField | models.BigAutoField))
    ]


def insert_rows(
    model,
    rows: list[dict],
    *,
    ignore_conflicts: bool = False,
    conflict: tuple[str, ...] = (),
    update: tuple[str, ...] = (),
    returning: tuple[str, ...] = (),
) -> list[tuple]:
    """Insert `rows` (dicts by field attname, e.g. `student_id`, or name) into `model`'s
    table. `ignore_conflicts`: a row that clashes with any unique constraint is skipped
    (`ON CONFLICT DO NOTHING`); `conflict` and `update`: a clash on those unique fields
    sets the `update` fields from the new row (`ON CONFLICT (...) DO UPDATE`).
    Answers the `returning` columns of the rows written (none unless asked)."""
    if not rows:
        return []
    quote = connection.ops.quote_name
    fields = _columns(model)
    now = timezone.now()
    defaults = {}
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults[field.attname] = now
        elif field.has_default():
            defaults[field.attname] = field.get_default
        else:
            defaults[field.attname] = None
    decimals = {f.attname: f for f in fields if isinstance(f, models.DecimalField)}
    records = []
    for row in rows:
        record = {}
        for field in fields:
            name = field.attname
            if name in row:
                value = row[name]
            elif field.name in row:
                value = row[field.name]
                if isinstance(value, models.Model):
                    value = value.pk
            else:
                value = defaults[name]
                if callable(value):
                    value = value()
            if name in decimals and value is not None and not isinstance(value, Decimal):
                value = decimals[name].to_python(value)
            record[name] = value
        records.append(record)
    names = ", ".join(quote(f.column) for f in fields)
    record_type = ", ".join(f"{quote(f.attname)} {f.db_type(connection)}" for f in fields)
    values = ", ".join(quote(f.attname) for f in fields)
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({names}) "
        f"SELECT {values} FROM json_to_recordset(%s::json) AS r({record_type})"
    )
    if conflict:
        target = ", ".join(quote(model._meta.get_field(c).column) for c in conflict)
        columns = [quote(model._meta.get_field(u).column) for u in update]
        sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns)
        sql += f" ON CONFLICT ({target}) DO UPDATE SET {sets}"
    elif ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += " RETURNING " + ", ".join(quote(model._meta.get_field(r).column) for r in returning)
    document = orjson.dumps(records, default=_encode).decode()
    with connection.cursor() as cursor:
        cursor.execute(sql, [document])
        return cursor.fetchall() if returning else []


def array_literal(values) -> str:
    """`values` (ints, or strs; none None) as the text of a PostgreSQL array, for a
    parameter the statement casts (`%s::bigint[]`, `%s::text[]`): psycopg's client-side
    binding quotes a Python list element by element in Python (a tenth of a processing
    batch's Python time, its id and key lists of thousands), a str in one call."""
    values = list(values)
    if values and isinstance(values[0], str):
        return "{" + ",".join(_quoted(value) for value in values) + "}"
    return "{" + ",".join(map(str, map(int, values))) + "}"


def _quoted(value: str) -> str:
    # Inside an array's double quotes only the backslash and the double quote are special.
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
