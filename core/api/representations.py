"""Model → OneRoster JSON, the pieces every resource shares: timestamps, dates, booleans,
`{href, sourcedId, type}` references and the base fields. Shapes follow the official 1EdTech
1.2 object schemas (`additionalProperties: false`); optional text left empty is omitted.
"""

from datetime import datetime


def timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def day(value) -> str | None:
    return value.isoformat() if value else None


def boolean(value: bool) -> str:
    """OneRoster 1.2 booleans are the strings "true"/"false"."""
    return "true" if value else "false"


class Refs:
    """Builds `{href, sourcedId, type}` references under the OneRoster root
    (`/ims/oneroster`), each kind under the service that serves it."""

    PATHS = {
        "org": "rostering/v1p2/orgs",
        "academicSession": "rostering/v1p2/academicSessions",
        "term": "rostering/v1p2/terms",
        "user": "rostering/v1p2/users",
        "student": "rostering/v1p2/students",
        "teacher": "rostering/v1p2/teachers",
        "course": "rostering/v1p2/courses",
        "class": "rostering/v1p2/classes",
        "enrollment": "rostering/v1p2/enrollments",
        "courseComponent": "rostering/v1p2/courses/components",
        "resource": "rostering/v1p2/resources",
        "componentResource": "rostering/v1p2/courses/component-resources",
        "category": "gradebook/v1p2/categories",
        "scoreScale": "gradebook/v1p2/scoreScales",
        "lineItem": "gradebook/v1p2/lineItems",
        "result": "gradebook/v1p2/results",
        "assessmentLineItem": "gradebook/v1p2/assessmentLineItems",
        "assessmentResult": "gradebook/v1p2/assessmentResults",
    }

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")

    def __call__(self, kind: str, sourced_id: str | None) -> dict | None:
        if sourced_id is None:
            return None
        return {
            "href": f"{self.base_url}/{self.PATHS[kind]}/{sourced_id}",
            "sourcedId": sourced_id,
            "type": kind,
        }


def base(obj) -> dict:
    return {
        "sourcedId": obj.sourced_id,
        "status": obj.status,
        "dateLastModified": timestamp(obj.date_last_modified),
        "metadata": obj.metadata or {},
    }


def put_optional(data: dict, **values) -> dict:
    for key, value in values.items():
        if value not in (None, ""):
            data[key] = value
    return data
