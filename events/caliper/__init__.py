"""Caliper 1.2 validation and reference extraction: pure rules, no Django.

The ingestion service calls :func:`validate_envelope` once per request and
:func:`parse_event` once per event; both are cheap (a 100-event envelope of typical
events validates in about 3 ms).

The modules, each importing only those listed before it:

- :mod:`.values`: small checks of values (IRIs, date-times, numbers, ``@context``) and the
  wording of their messages; :class:`EnvelopeError`;
- :mod:`.vocabulary`: the tables of the specification (actions per event type, the entity
  type hierarchy, the entity types each event property allows, profiles) and the names of
  the Timeback profiles and metrics;
- :mod:`.schemas`: the 110 official JSON schemas in ``events/caliper_schema/``, adapted
  and compiled once at import;
- :mod:`.entities`: an entity checked against its type's schema, recursively;
- :mod:`.common`: what every event is checked for, and :class:`ParsedEvent`;
- :mod:`.standard`: a standard Caliper event's type, profile, action and entities;
- :mod:`.timeback`: the TimebackProfile and AggregationProfile forms and their metrics;
- :mod:`.references`: the student, course, lesson candidates, run and attempt a valid
  event names, and small readers of a stored event's raw JSON for the pipeline;
- :mod:`.bounds`: what storage and processing can take (lengths, depth, ranges, NUL);
- :mod:`.fast`: the one-pass check of a TimebackProfile event (msgspec), which
  :func:`parse_event` tries first and which answers what the modules above would, or
  nothing;
- :mod:`.envelope`: :func:`validate_envelope` and :func:`parse_event`.

The names below are what the rest of the code uses (``from events import caliper``).
"""

from . import bounds
from .bounds import Limits
from .common import ParsedEvent
from .entities import is_entity_describe, validate_entity
from .envelope import parse_event, read_stored, validate_envelope
from .references import score_of
from .schemas import ENTITY_TYPES, STANDARD_EVENT_TYPES
from .timeback import timeback_items
from .values import (
    CALIPER_CONTEXT,
    DATA_VERSION,
    EnvelopeError,
    is_iri,
    last_segment,
    parse_datetime,
)
from .vocabulary import (
    ACTIVITY_ITEM_TYPES,
    AGGREGATION_PROFILE,
    COURSE_TYPES,
    EVENT_ACTIONS,
    GRADED_TYPES,
    LESSON_TYPES,
    PROFILE_EVENT_TYPES,
    TIME_SPENT_ITEM_TYPES,
    TIMEBACK_ACTIONS,
    TIMEBACK_PROFILE,
    TIMEBACK_PROFILES,
    normalise_term,
)

__all__ = [
    "ACTIVITY_ITEM_TYPES",
    "AGGREGATION_PROFILE",
    "CALIPER_CONTEXT",
    "COURSE_TYPES",
    "DATA_VERSION",
    "ENTITY_TYPES",
    "EVENT_ACTIONS",
    "EnvelopeError",
    "GRADED_TYPES",
    "LESSON_TYPES",
    "Limits",
    "PROFILE_EVENT_TYPES",
    "ParsedEvent",
    "STANDARD_EVENT_TYPES",
    "TIMEBACK_ACTIONS",
    "TIMEBACK_PROFILE",
    "TIMEBACK_PROFILES",
    "TIME_SPENT_ITEM_TYPES",
    "bounds",
    "is_entity_describe",
    "is_iri",
    "last_segment",
    "normalise_term",
    "parse_datetime",
    "parse_event",
    "read_stored",
    "score_of",
    "timeback_items",
    "validate_entity",
    "validate_envelope",
]
