"""One compatibility scenario, run by the official Timeback clients (Python 3.12 venv).

Not collected by pytest (it imports the clients, which live only in .venv-compat): the
tests in this folder run it as a subprocess and assert on the JSON it prints.

    scenario.py '{"base_url": ..., "client_id": ..., "client_secret": ..., "profile":
                  "BEYOND_AI"|"LEARNWITH_AI", "prefix": ..., "day": "YYYY-MM-DD"}'

It uses the clients exactly as a school's developer would, pointed at our server with
`base_url` and `auth_url`: the OneRoster client's upserts for a term, a course, a unit and
a lesson, a student, a class and an enrollment, read back; a filtered, paged user list; an
ActivityEvent and a TimeSpentEvent built with the Caliper client's factories, sent in one
envelope; the job followed until completed; EduBridge facts and activity read back.
Prints one JSON object: what each step saw.
"""

import asyncio
import json
import sys
import traceback

from scenario_values import ACTIVE, CORRECT, INACTIVE, MASTERED, TOTAL, WASTE, XP
from timeback_caliper import (
    CaliperClient,
    create_activity_event,
    create_time_spent_event,
)
from timeback_caliper.types import (
    ActivityCompletedInput,
    TimebackActivity,
    TimebackActivityContext,
    TimebackActivityMetric,
    TimebackApp,
    TimebackCourse,
    TimebackUser,
    TimeSpentInput,
    TimeSpentMetric,
)
from timeback_caliper.types.api import CaliperEnvelope
from timeback_common import TimebackProvider
from timeback_core import TimebackClient
from timeback_edubridge import EdubridgeClient
from timeback_oneroster import NotFoundError, OneRosterClient

LWAI_SCOPE = "https://purl.imsglobal.org/spec/caliper/v1p2/scope/events.write"
# A sandbox partner builds its test classes in this org (docs/api.md#sandbox-scaffolding).
SANDBOX_ORG = "partner-sandbox"

results: dict = {}


def dump(model) -> dict:
    return model.model_dump(mode="json", by_alias=True) if hasattr(model, "model_dump") else model


async def upsert_component(oneroster: OneRosterClient, sourced_id: str, body: dict) -> None:
    """What the client's upsert does for the resources that have one: PUT, POST on 404."""
    try:
        await oneroster.courses.update_component(sourced_id, body)
    except NotFoundError:
        await oneroster.courses.create_component(body)


async def roster(oneroster: OneRosterClient, ids: dict, base_url: str) -> None:
    school, term, course = ids["school"], ids["term"], ids["course"]
    unit, lesson, student = ids["unit"], ids["lesson"], ids["student"]
    klass, enrollment = ids["class"], ids["enrollment"]
    ref = {"sourcedId": school}
    if school != SANDBOX_ORG:
        await oneroster.orgs.upsert(
            school,
            {"sourcedId": school, "status": "active", "name": "Compat School", "type": "school"},
        )
    await oneroster.terms.upsert(
        term,
        {
            "sourcedId": term,
            "status": "active",
            "title": "Fall",
            "type": "term",
            "startDate": "2026-08-15",
            "endDate": "2026-12-20",
            "schoolYear": "2027",
            "org": ref,
        },
    )
    await oneroster.courses.upsert(
        course,
        {
            "sourcedId": course,
            "status": "active",
            "title": "Compat Math",
            "org": ref,
            "metadata": {"totalUnits": 10},
        },
    )
    await upsert_component(
        oneroster,
        unit,
        {
            "sourcedId": unit,
            "status": "active",
            "title": "Fractions",
            "course": {"sourcedId": course},
            "sortOrder": 1,
        },
    )
    await upsert_component(
        oneroster,
        lesson,
        {
            "sourcedId": lesson,
            "status": "active",
            "title": "Adding fractions",
            "course": {"sourcedId": course},
            "parent": {"sourcedId": unit},
            "sortOrder": 1,
        },
    )
    student_body = {
        "sourcedId": student,
        "status": "active",
        "enabledUser": True,
        "givenName": "Ada",
        "familyName": ids["family"],
        "email": f"{student}@compat.example",
        "roles": [{"roleType": "primary", "role": "student", "org": ref}],
    }
    await oneroster.users.upsert(student, student_body)
    created = await oneroster.users.create(
        {
            **student_body,
            "sourcedId": ids["classmate"],
            "email": f"{ids['classmate']}@compat.example",
        }
    )
    results["create_response"] = dump(created)
    await oneroster.classes.upsert(
        klass,
        {
            "sourcedId": klass,
            "status": "active",
            "title": "Compat Math A",
            "terms": [{"sourcedId": term}],
            "course": {"sourcedId": course},
            "org": ref,
        },
    )
    await oneroster.enrollments.upsert(
        enrollment,
        {
            "sourcedId": enrollment,
            "status": "active",
            "user": {"sourcedId": student},
            "class": {"sourcedId": klass},
            "role": "student",
        },
    )
    results["read_back"] = {
        "term": dump(await oneroster.terms.get(term)),
        "course": dump(await oneroster.courses.get(course)),
        "unit": dump(await oneroster.courses.get_component(unit)),
        "lesson": dump(await oneroster.courses.get_component(lesson)),
        "student": dump(await oneroster.users.get(student)),
        "class": dump(await oneroster.classes.get(klass)),
        "enrollment": dump(await oneroster.enrollments.get(enrollment)),
    }
    # One user per page: the client follows the Link rel="next" headers to the end.
    family = await oneroster.users.list_all(where={"familyName": ids["family"]}, limit=1)
    results["filtered_users"] = sorted(user.sourced_id for user in family)
    results["unknown_user_exists"] = await oneroster.users.exists(f"{student}-nobody")


def learning_events(ids: dict, base_url: str, day: str) -> list:
    actor = TimebackUser(
        id=f"{base_url}/ims/oneroster/rostering/v1p2/users/{ids['student']}",
        email=f"{ids['student']}@compat.example",
    )
    context = TimebackActivityContext(
        id=f"{base_url}/ims/oneroster/rostering/v1p2/courses/components/{ids['lesson']}",
        subject="Math",
        app=TimebackApp(name="Compat App"),
        course=TimebackCourse(
            id=f"{base_url}/ims/oneroster/rostering/v1p2/courses/{ids['course']}",
            name="Compat Math",
        ),
        activity=TimebackActivity(id=ids["lesson"], name="Adding fractions"),
    )
    activity = create_activity_event(
        ActivityCompletedInput(
            actor=actor,
            object=context,
            metrics=[
                TimebackActivityMetric(type="xpEarned", value=XP),
                TimebackActivityMetric(type="totalQuestions", value=TOTAL),
                TimebackActivityMetric(type="correctQuestions", value=CORRECT),
                TimebackActivityMetric(type="masteredUnits", value=MASTERED),
            ],
            attempt=1,
            eventTime=f"{day}T10:00:15.170059Z",  # microseconds, as Python clients send
        )
    )
    time_spent = create_time_spent_event(
        TimeSpentInput(
            actor=actor,
            object=context,
            metrics=[
                TimeSpentMetric(type="active", value=ACTIVE),
                TimeSpentMetric(type="inactive", value=INACTIVE),
                TimeSpentMetric(type="waste", value=WASTE),
            ],
            eventTime=f"{day}T10:00:16.000001Z",
        )
    )
    return [activity, time_spent]


async def send_events(sender: CaliperClient, tracker: CaliperClient, ids, base_url, day):
    sensor = f"{base_url}/sensors/compat"
    events = learning_events(ids, base_url, day)
    sent = await sender.events.send(sensor, events)
    results["job_id"] = sent.job_id
    status = await tracker.jobs.wait_for_completion(sent.job_id, timeout=60, poll_interval=0.5)
    results["job"] = dump(status)
    results["event_ids"] = [event.id for event in events]
    stored = await tracker.events.get(events[0].id)
    results["stored_activity"] = dump(stored)
    listed = await tracker.events.list(actor_id=events[0].actor.id, limit=1)
    results["listed"] = {
        "ids": [event.external_id for event in listed.events],
        "pagination": dump(listed.pagination),
    }
    envelope = CaliperEnvelope(
        sensor=sensor,
        sendTime=f"{day}T10:00:17.000000Z",
        dataVersion="http://purl.imsglobal.org/ctx/caliper/v1p2",
        data=[event.model_dump(mode="json", by_alias=True, exclude_none=True) for event in events],
    )
    results["validation"] = dump(await tracker.events.validate(envelope))


async def enrollment_facts(edubridge: EdubridgeClient, ids: dict) -> None:
    facts = await edubridge.analytics.get_enrollment_facts(enrollment_id=ids["enrollment"])
    results["enrollment_facts"] = dump(facts)


async def activity(edubridge: EdubridgeClient, ids: dict, day: str) -> None:
    answer = await edubridge.analytics.get_activity(
        student_id=ids["student"], start_date=day, end_date=day
    )
    results["activity"] = dump(answer)


async def edubridge_enrollments(edubridge: EdubridgeClient, ids: dict) -> None:
    enrollments = await edubridge.enrollments.list(user_id=ids["student"])
    results["edubridge_enrollments"] = [dump(e) for e in enrollments]


async def step(name: str, work) -> bool:
    """Run one step; an error is recorded under results["errors"][name], not raised, so
    that later independent steps still run and each test sees what it checks."""
    try:
        await work
        return True
    except Exception as error:  # noqa: BLE001 - reported to the tests, which fail on it
        results.setdefault("errors", {})[name] = (
            f"{type(error).__name__}: {error}\n{traceback.format_exc()}"
        )
        return False


async def run(config: dict) -> None:
    base_url, day, prefix = config["base_url"], config["day"], config["prefix"]
    auth_url = f"{base_url}/auth/1.0/token"
    credentials = {"client_id": config["client_id"], "client_secret": config["client_secret"]}
    ids = {
        name: f"{prefix}-{name}"
        for name in ("school", "term", "course", "unit", "lesson", "student", "classmate")
    }
    ids |= {"class": f"{prefix}-class", "enrollment": f"{prefix}-enrollment"}
    ids["family"] = f"Family-{prefix}"
    results["ids"] = ids
    if config.get("sandbox"):
        ids["school"] = SANDBOX_ORG
    beyond = TimebackClient(base_url=base_url, auth_url=auth_url, **credentials)
    lwai = None
    try:
        results["auth"] = dump(await beyond.check_auth())
        if config["profile"] == "BEYOND_AI":
            oneroster, sender = beyond.oneroster, beyond.caliper
        else:
            # The LEARNWITH_AI platform as its documentation configures it (what
            # `TimebackProvider(platform="LEARNWITH_AI", env=...)` resolves to, pointed at
            # this server): ONE provider on the LEARNWITH_AI path profile whose token is
            # asked for with the platform's single scope, the Caliper events.write URI, and
            # used for every call, OneRoster included; Caliper events transformed into the
            # AggregationProfile.
            provider = TimebackProvider(
                path_profile="LEARNWITH_AI",
                base_url=base_url,
                auth_url=auth_url,
                scope=LWAI_SCOPE,
                **credentials,
            )
            results["lwai_auth"] = dump(await provider.check_auth())
            lwai = TimebackClient(provider=provider)
            oneroster = lwai.oneroster
            sender = CaliperClient(platform="LEARNWITH_AI", provider=provider)
        # LEARNWITH_AI offers no job tracking, listing or EduBridge in the client: those
        # are read with the BEYOND_AI profile's clients, on the same server and credentials.
        if await step("roster", roster(oneroster, ids, base_url)):
            await step("events", send_events(sender, beyond.caliper, ids, base_url, day))
        edubridge = beyond.edubridge
        await step("enrollment_facts", enrollment_facts(edubridge, ids))
        await step("activity", activity(edubridge, ids, day))
        await step("edubridge_enrollments", edubridge_enrollments(edubridge, ids))
        if lwai is not None:
            await sender.close()
            await lwai.close()
    finally:
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
