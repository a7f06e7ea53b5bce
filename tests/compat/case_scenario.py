"""The CASE compatibility scenario, run by Timeback's official `timeback-case` client
(Python 3.12 venv; not collected by pytest: test_case_client.py runs it as a subprocess).

    case_scenario.py '{"base_url": ..., "client_id": ..., "client_secret": ...,
                       "profile": "BEYOND_AI"|"LEARNWITH_AI", "prefix": ..., "package": PATH}'

As a school's developer would: the client's upsert of a CFPackage (its PUT answers 404, so it
POSTs), a second upsert that replaces it (PUT), then every read the client has: documents
listed and read, items paged and read, an association, the package and its groups, and an
unknown document. The package is the synthetic math framework with its identifiers renamed
per run (uuid5 of the prefix), so two runs never meet. Prints what each step saw, as JSON.
"""

import asyncio
import json
import re
import sys
import traceback
import uuid

from timeback_case import CaseClient, NotFoundError
from timeback_common import TimebackProvider
from timeback_core import TimebackClient

results: dict = {}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def dump(model):
    if isinstance(model, dict):
        return {k: dump(v) for k, v in model.items()}
    if isinstance(model, list):
        return [dump(v) for v in model]
    return model.model_dump(mode="json", by_alias=True) if hasattr(model, "model_dump") else model


def renamed(text: str, prefix: str) -> dict:
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, prefix)
    return json.loads(UUID.sub(lambda m: str(uuid.uuid5(namespace, m.group(0))), text))


async def step(name: str, work) -> bool:
    try:
        await work
        return True
    except Exception as error:  # noqa: BLE001 - reported to the tests, which fail on it
        results.setdefault("errors", {})[name] = (
            f"{type(error).__name__}: {error}\n{traceback.format_exc()}"
        )
        return False


async def upload(case: CaseClient, package: dict) -> None:
    identifier = package["CFDocument"]["identifier"]
    results["created"] = dump(await case.packages.upsert(identifier, package))
    package["CFItems"][0]["fullStatement"] = "Grade 3 Mathematics (revised)"
    results["replaced"] = dump(await case.packages.upsert(identifier, package))


async def reads(case: CaseClient, package: dict) -> None:
    identifier = package["CFDocument"]["identifier"]
    item = package["CFItems"][2]["identifier"]
    precedes = next(a for a in package["CFAssociations"] if a["associationType"] == "precedes")
    listed = await case.documents.list({"limit": 100})
    results["documents"] = dump(listed)["CFDocuments"]
    results["document"] = dump(await case.documents.get(identifier))["CFDocument"]
    results["items_page"] = dump(
        await case.items.list(
            {
                "limit": 4,
                "sort": "humanCodingScheme",
                "filter": f"CFDocumentURI.sourcedId='{identifier}'",
            }
        )
    )["CFItems"]
    results["item"] = dump(await case.items.get(item))["CFItem"]
    results["association"] = dump(await case.associations.get(precedes["identifier"]))[
        "CFAssociation"
    ]
    results["package"] = dump(await case.packages.get(identifier))["CFPackage"]
    results["groups"] = dump(await case.packages.get_groups(identifier))["CFPackageWithGroups"]
    try:
        await case.documents.get(f"{identifier}-nobody")
        results["unknown_document"] = "found"
    except NotFoundError as error:
        results["unknown_document"] = {"status": error.status_code, "message": str(error)}


async def run(config: dict) -> None:
    base_url, prefix = config["base_url"], config["prefix"]
    auth_url = f"{base_url}/auth/1.0/token"
    credentials = {"client_id": config["client_id"], "client_secret": config["client_secret"]}
    with open(config["package"]) as file:
        package = renamed(file.read(), prefix)
    results["package_sent"] = package
    beyond = TimebackClient(base_url=base_url, auth_url=auth_url, **credentials)
    case = beyond.case_
    if config["profile"] == "LEARNWITH_AI":
        provider = TimebackProvider(
            path_profile="LEARNWITH_AI", base_url=base_url, auth_url=auth_url, **credentials
        )
        case = CaseClient(provider=provider)
    try:
        if await step("upload", upload(case, package)):
            await step("reads", reads(case, package))
    finally:
        if case is not beyond.case_:
            await case.close()
        await beyond.close()


def main() -> int:
    config = json.loads(sys.argv[1])
    try:
        asyncio.run(run(config))
    except Exception as error:  # noqa: BLE001 - reported to the test, which fails on it
        results["error"] = f"{type(error).__name__}: {error}"
        results["traceback"] = traceback.format_exc()
    print(json.dumps(results, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
