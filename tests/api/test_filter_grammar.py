"""The OneRoster filter grammar, parsed without a database: what clients send → predicates."""

import pytest

from core.api.errors import OneRosterError
from core.api.query import Predicate, parse_filter


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("familyName='Smith'", [[Predicate("familyName", "=", "Smith")]]),
        ("familyName!='Smith'", [[Predicate("familyName", "!=", "Smith")]]),
        ("dateLastModified>'2026-01-01'", [[Predicate("dateLastModified", ">", "2026-01-01")]]),
        ("dateLastModified>='2026-01-01'", [[Predicate("dateLastModified", ">=", "2026-01-01")]]),
        ("sortOrder<'3'", [[Predicate("sortOrder", "<", "3")]]),
        ("sortOrder<='3'", [[Predicate("sortOrder", "<=", "3")]]),
        ("givenName~'an'", [[Predicate("givenName", "~", "an")]]),
        ("roles.role='student'", [[Predicate("roles.role", "=", "student")]]),
        ("roles.org.sourcedId='s-1'", [[Predicate("roles.org.sourcedId", "=", "s-1")]]),
        ("metadata.grade='5'", [[Predicate("metadata.grade", "=", "5")]]),
        ("enabledUser=true", [[Predicate("enabledUser", "=", "true")]]),
        ("familyName = 'Smith'", [[Predicate("familyName", "=", "Smith")]]),
        ('familyName="Smith"', [[Predicate("familyName", "=", "Smith")]]),
        ("familyName='O''Brien'", [[Predicate("familyName", "=", "O'Brien")]]),
        ("title='Reading AND Writing'", [[Predicate("title", "=", "Reading AND Writing")]]),
        ("title=''", [[Predicate("title", "=", "")]]),
        (
            "status='active' AND role='student'",
            [[Predicate("status", "=", "active"), Predicate("role", "=", "student")]],
        ),
        (
            "status='active' OR role='student'",
            [[Predicate("status", "=", "active")], [Predicate("role", "=", "student")]],
        ),
        (
            "a='1' AND b='2' OR c='3'",
            [[Predicate("a", "=", "1"), Predicate("b", "=", "2")], [Predicate("c", "=", "3")]],
        ),
        (
            "a='1' OR b='2' AND c='3'",
            [[Predicate("a", "=", "1")], [Predicate("b", "=", "2"), Predicate("c", "=", "3")]],
        ),
        ("a='1' and b='2'", [[Predicate("a", "=", "1"), Predicate("b", "=", "2")]]),
    ],
)
def test_filter_parses_into_or_groups_of_and_predicates(text, expected):
    assert parse_filter(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "familyName",
        "familyName=",
        "='Smith'",
        "familyName=='Smith'x",
        "familyName='Smith",
        "familyName 'Smith'",
        "familyName='Smith' AND",
        "familyName='Smith' XOR givenName='A'",
        "familyName='Smith'givenName='A'",
        "1name='x'",
        "a.='x'",
        "a='1' AND " * 30 + "a='1'",
        "a='" + "x" * 3000 + "'",
    ],
)
def test_malformed_filters_are_refused_as_invalid_filter_field(text):
    with pytest.raises(OneRosterError) as error:
        parse_filter(text)
    assert error.value.code_minor == "invalid_filter_field"
    assert error.value.status_code == 400
