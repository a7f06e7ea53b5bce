"""OAuth2 scopes partners are granted (docs/access.md#partner-tokens-and-scopes), and the aliases
that mean the same thing.

OneRoster scopes exist under v1p1 and v1p2; Caliper's events.write has a short and a URI
spelling (the official clients ask for the URI). A token holding any spelling satisfies a
check for the canonical name.
"""

OR_PREFIXES = (
    "https://purl.imsglobal.org/spec/or/v1p2/scope/",
    "https://purl.imsglobal.org/spec/or/v1p1/scope/",
)
ONEROSTER_SCOPE_NAMES = (
    "roster-core.readonly",
    "roster.readonly",
    "roster.createput",
    "roster.delete",
    "roster-demographics.readonly",
    "roster-demographics.createput",
    "roster-demographics.delete",
    "gradebook.readonly",
    "gradebook-core.readonly",
    "gradebook.createput",
    "gradebook.createpost",
    "gradebook.delete",
    "assessment.readonly",
    "assessment.createput",
    "assessment.delete",
    "resource.readonly",
    "resource.createput",
    "resource.delete",
)
# CASE 1.1 (competency frameworks, /ims/case/v1p1/): the standard's read scope, under its
# v1p1 and v1p0 spellings (CASE 1.0 named it first; `all.readonly` is the wider one), and a
# write scope for the CFPackages upload, which the standard leaves to implementations (who
# may write is decided by standards' access rule, not by the scope).
CASE_PREFIXES = (
    "https://purl.imsglobal.org/spec/case/v1p1/scope/",
    "https://purl.imsglobal.org/spec/case/v1p0/scope/",
)
CASE_READONLY = CASE_PREFIXES[0] + "core.readonly"
CASE_CREATEPUT = CASE_PREFIXES[0] + "core.createput"
EVENTS_WRITE = "events.write"
EVENTS_WRITE_URI = "https://purl.imsglobal.org/spec/caliper/v1p2/scope/events.write"
ANALYTICS_READONLY = "analytics.readonly"
EVENTS_READONLY = "events.readonly"
# "Sign in with Timeback" (OpenID Connect): `sourcedid` adds the student's sourcedId claim
# to the ID token and userinfo.
SOURCEDID = "sourcedid"
SIGN_IN_SCOPES = ["openid", "profile", "email", SOURCEDID]


def oneroster(name: str) -> str:
    """The canonical (v1p2) URI of a OneRoster scope."""
    return OR_PREFIXES[0] + name


# Every spelling of a scope, keyed by the canonical name that API checks ask for.
ALIASES: dict[str, frozenset[str]] = {
    **{oneroster(n): frozenset(p + n for p in OR_PREFIXES) for n in ONEROSTER_SCOPE_NAMES},
    EVENTS_WRITE: frozenset({EVENTS_WRITE, EVENTS_WRITE_URI}),
    ANALYTICS_READONLY: frozenset({ANALYTICS_READONLY, EVENTS_READONLY}),
    CASE_READONLY: frozenset(
        p + n for p in CASE_PREFIXES for n in ("core.readonly", "all.readonly")
    ),
    CASE_CREATEPUT: frozenset({CASE_CREATEPUT}),
}


def all_partner_scopes() -> list[str]:
    """Every scope spelling a client may be granted and may ask for."""
    return sorted({s for spellings in ALIASES.values() for s in spellings})


def learning_app_scopes() -> list[str]:
    """What a learning app gets by default: read the roster, publish (and retire) its
    catalogue, send events, read back analytics, write (and retire) gradebook results of
    its own courses, read the CASE frameworks (and upload them, for a roster source). Which objects an app may
    change or delete is decided by rostering.access, not by the scope."""
    wanted = {
        oneroster(n)
        for n in (
            "roster-core.readonly",
            "roster.readonly",
            "roster.createput",
            "roster.delete",
            "gradebook.readonly",
            "gradebook.createput",
            "gradebook.delete",
            "assessment.readonly",
            "assessment.createput",
            "assessment.delete",
            "resource.readonly",
            "resource.createput",
            "resource.delete",
        )
    }
    wanted |= {EVENTS_WRITE, ANALYTICS_READONLY, CASE_READONLY, CASE_CREATEPUT}
    return sorted({s for canonical in wanted for s in ALIASES[canonical]})


def is_granted(required: str, granted: set[str] | frozenset[str]) -> bool:
    """True when any spelling of `required` is among the granted scopes."""
    return bool(ALIASES.get(required, frozenset({required})) & granted)
