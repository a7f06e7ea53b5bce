"""The OneRoster CSV bundle as an admin upload (core/uploads.py): the same import as
`manage.py import_oneroster_csv`, all or nothing, reporting its progress row by row."""

from pathlib import Path

from django.db import DatabaseError, transaction

from core.uploads import Outcome, Progress, row_errors

from . import csv_import

PROGRESS_EVERY = 50  # rows between two progress reports (each is one cache write)


def import_bundle(path: Path, options: dict, progress: Progress) -> Outcome:
    progress(0, 0, "checking every file")
    try:
        bundle = csv_import.validate_bundle(csv_import.read_bundle(path))
    except csv_import.BundleInvalid as exc:
        return Outcome(False, exc.message().splitlines()[0], row_errors(exc.errors), exc.notes)
    # Rows plus the users' second pass (agents): an estimate the bar never passes.
    total = sum(len(rows) for rows in bundle.rows.values()) + len(
        bundle.rows.get(csv_import.USERS.name, [])
    )
    done, total_rows = 0, max(total, 1)

    def counted(iterable, *, desc, total=None):
        nonlocal done
        for n, item in enumerate(iterable):
            if n % PROGRESS_EVERY == 0:
                progress(done, total_rows, f"writing {desc}")
            done += 1
            yield item

    try:
        with transaction.atomic():
            counts = csv_import.write_bundle(bundle, progress=counted)
    except DatabaseError as exc:
        return Outcome(False, f"The database refused the import, nothing was written: {exc}")
    summary = "; ".join(f"{name}: {count}" for name, count in counts.items())
    return Outcome(
        True, f"Imported. {summary}" if summary else "Imported; nothing to write.", [], bundle.notes
    )
