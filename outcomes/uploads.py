"""Standardized test results as an admin upload (core/uploads.py): the same import as
`manage.py import_test_results`. Rows that cannot be imported are listed, the rest is
imported (unless the upload asked for strict)."""

from pathlib import Path

from django.db import DatabaseError

from core.uploads import Outcome, Progress, row_errors

from .imports import ImportRefused, MappingInvalid, import_test_results, mapping_from_text


def import_map_growth(path: Path, options: dict, progress: Progress) -> Outcome:
    return _import(path, options, progress, format="map-growth")


def import_state_test(path: Path, options: dict, progress: Progress) -> Outcome:
    return _import(path, options, progress, format="state")


def _import(path: Path, options: dict, progress: Progress, *, format: str) -> Outcome:
    try:
        mapping = (
            mapping_from_text(
                options.get("mapping", ""), name=options.get("mapping_name", "mapping")
            )
            if format == "state"
            else None
        )
        report = import_test_results(
            path,
            format=format,
            mapping=mapping,
            match=options.get("match", "auto"),
            strict=bool(options.get("strict")),
            progress=lambda done, total: progress(done, total, "importing test results"),
        )
    except MappingInvalid as exc:
        return Outcome(False, f"The mapping cannot be used, nothing was written: {exc}")
    except ImportRefused as exc:
        return Outcome(False, exc.message().splitlines()[0], row_errors(exc.errors), exc.notes)
    except DatabaseError as exc:
        return Outcome(False, f"The database refused the import, nothing was written: {exc}")
    return Outcome(True, report.summary(), row_errors(report.errors), report.notes)
