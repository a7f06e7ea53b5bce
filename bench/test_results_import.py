"""Benchmark: import a MAP Growth Combined Data File of N students × 2 terms (fall, winter),
then the same file again (nothing changes), and print the time and rows per second.

    DATABASE_URL=postgres://... .venv/bin/python bench/test_results_import.py [--students 5000]
"""

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timeback.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=5000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from outcomes.imports import import_test_results
    from outcomes.nwea import write_combined_data_file
    from rostering.models import Org, User, UserRole

    school, _ = Org.objects.get_or_create(
        sourced_id="bench-map-school", defaults={"name": "Bench School", "type": "school"}
    )
    ids = [f"bench-map-{i:06d}" for i in range(args.students)]
    have = set(User.objects.filter(sourced_id__in=ids).values_list("sourced_id", flat=True))
    users = User.objects.bulk_create(
        [User(sourced_id=s, username=s, primary_org=school) for s in ids if s not in have]
    )
    UserRole.objects.bulk_create([UserRole(user=u, org=school, role="student") for u in users])

    def rows():
        for n, sid in enumerate(ids):
            fall = 190 + n % 30
            yield {
                "TermName": "Fall 2026-2027",
                "StudentID": sid,
                "Subject": "Mathematics",
                "Grade": 4,
                "TestStartDate": date(2026, 9, 14),
                "TestRITScore": fall,
                "TestStandardError": 3.1,
                "TestPercentile": 50,
                "RapidGuessingPercentage": 0,
            }
            yield {
                "TermName": "Winter 2026-2027",
                "StudentID": sid,
                "Subject": "Mathematics",
                "Grade": 4,
                "TestStartDate": date(2027, 1, 20),
                "TestRITScore": fall + 6,
                "TestStandardError": 3.0,
                "TestPercentile": 52,
                "RapidGuessingPercentage": 0,
                "FallToWinterProjectedGrowth": 6,
                "FallToWinterObservedGrowth": 6,
                "FallToWinterObservedGrowthSE": 4.2,
                "FallToWinterMetProjectedGrowth": True,
                "FallToWinterConditionalGrowthIndex": 0.0,
                "FallToWinterConditionalGrowthPercentile": 50,
            }

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cdf.csv"
        with path.open("w", newline="") as out:
            count = write_combined_data_file(rows(), out)
        for label in ("first import", "same file again"):
            started = time.perf_counter()
            report = import_test_results(path, format="map-growth")
            seconds = time.perf_counter() - started
            print(
                f"{label}: {count} rows in {seconds:.2f} s ({count / seconds:,.0f} rows/s); "
                f"{report.summary()}"
            )


if __name__ == "__main__":
    main()
