"""Benchmark: a large CASE framework (issue 19): import, re-import in place, and the reads.

    scripts/test-services.sh start      # or your own throwaway PostgreSQL
    psql -h 127.0.0.1 -p 55432 -U postgres -c 'CREATE DATABASE timeback_bench_case'
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/timeback_bench_case \\
        .venv/bin/python bench/case.py --items 5000

A synthetic framework of `--items` items (a document, 10 grades, domains of 50 standards),
one isChildOf per item and a `precedes` chain inside each domain: about 2 × items
associations. Times `standards.services.import_package` (first import, then a re-import
that changes every statement), `framework_graph` and the hole-filling read of one standard,
and the CASE API (through Django's test client with a real token, DEBUG off): the package,
its groups, a page of 100 items. Prints the figures; writes nothing outside its database.
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def package(items: int, revision: int = 0) -> dict:
    base = "https://bench.example.org/ims/case/v1p1/"
    ns = uuid.UUID("6f0d1d55-1d2e-4f5b-9d8b-3c2a1e0f0a00")

    def ident(name):
        return str(uuid.uuid5(ns, name))

    when = "2026-01-01T00:00:00+00:00"
    document = ident("doc")
    rows, links = [], []

    def item(name, code, kind):
        identifier = ident(name)
        rows.append(
            {
                "identifier": identifier,
                "uri": f"{base}CFItems/{identifier}",
                "fullStatement": f"{code} statement, revision {revision}",
                "humanCodingScheme": code,
                "CFItemType": kind,
                "lastChangeDateTime": when,
            }
        )
        return identifier

    def link(kind, origin, destination, n):
        identifier = ident(f"a-{kind}-{origin}-{destination}")
        node = lambda i: {"title": i[:8], "identifier": i, "uri": f"{base}CFItems/{i}"}  # noqa: E731
        links.append(
            {
                "identifier": identifier,
                "uri": f"{base}CFAssociations/{identifier}",
                "associationType": kind,
                "sequenceNumber": n,
                "originNodeURI": node(origin),
                "destinationNodeURI": node(destination),
                "lastChangeDateTime": when,
            }
        )

    made = 0
    grade = 0
    while made < items:
        grade += 1
        g = item(f"g{grade}", f"B.{grade}", "Grade")
        link("isChildOf", g, document, grade)
        made += 1
        for d in range(1, 11):
            if made >= items:
                break
            dom = item(f"g{grade}d{d}", f"B.{grade}.{d}", "Domain")
            link("isChildOf", dom, g, d)
            made += 1
            previous = None
            for s in range(1, 51):
                if made >= items:
                    break
                st = item(f"g{grade}d{d}s{s}", f"B.{grade}.{d}.{s}", "Standard")
                link("isChildOf", st, dom, s)
                if previous:
                    link("precedes", previous, st, s - 1)
                previous = st
                made += 1
    return {
        "CFDocument": {
            "identifier": document,
            "uri": f"{base}CFDocuments/{document}",
            "creator": "bench",
            "title": "Bench framework",
            "subject": ["Mathematics"],
            "lastChangeDateTime": when,
        },
        "CFItems": rows,
        "CFAssociations": links,
    }


def timed(fn, repeat=1):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return result, times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-case-secret-key-not-for-production-0123456789")
    if not os.environ.get("OIDC_PRIVATE_KEY"):
        # A throwaway ID-token key, which settings require with DEBUG off.
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        os.environ["OIDC_PRIVATE_KEY"] = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timeback.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    from rostering.models import PartnerApp
    from standards import selectors
    from standards.models import CFDocument
    from standards.services import import_package
    from tests.factories import new_partner

    CFDocument.objects.filter(title="Bench framework").delete()
    first = package(args.items)
    result, (ms,) = timed(lambda: import_package(first))
    print(f"import: {result.items} items, {result.associations} associations in {ms:.0f} ms")
    again = package(args.items, revision=1)
    result, (ms,) = timed(lambda: import_package(again))
    print(f"re-import (every statement changed): {ms:.0f} ms")
    standard = first["CFItems"][-1]["identifier"]
    _, times = timed(lambda: selectors.framework_graph([standard]), args.repeat)
    print(f"framework_graph of one standard: p50 {statistics.median(times):.0f} ms")
    PartnerApp.objects.filter(name="Bench CASE reader").delete()
    partner = new_partner("Bench CASE reader")
    client = Client(HTTP_AUTHORIZATION=partner._credentials["HTTP_AUTHORIZATION"])
    document = first["CFDocument"]["identifier"]
    for name, path in (
        ("GET CFPackages/{id}", f"/ims/case/v1p1/CFPackages/{document}"),
        ("GET CFPackages/{id}/groups", f"/ims/case/v1p1/CFPackages/{document}/groups"),
        ("GET CFItems?limit=100", "/ims/case/v1p1/CFItems?limit=100&offset=1000"),
    ):
        response, times = timed(lambda p=path: client.get(p), args.repeat)
        assert response.status_code == 200, response.content[:300]
        print(
            f"{name}: p50 {statistics.median(times):.0f} ms, max {max(times):.0f} ms, "
            f"{len(response.content) / 1024:.0f} KiB"
        )


if __name__ == "__main__":
    main()
