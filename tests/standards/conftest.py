"""CASE fixtures (tests/fixtures/case-v1p1, unmodified) and packages derived from them in
memory: a test that needs a variant changes a copy, never the file."""

import copy
import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "case-v1p1"
DEMO_MATH = FIXTURES / "synthetic" / "demo-math-cfpackage-v1p1.json"
SMART_LEVEL = FIXTURES / "opensalt-frameworks" / "SmartLevelFramework.json"
ITEM_TYPE = FIXTURES / "opensalt-frameworks" / "ItemTypeTestFramework.json"

DEMO_DOCUMENT = "b9b0bb3b-a7e9-57a3-baad-caed3b4e0470"


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def by_code(package: dict) -> dict[str, dict]:
    return {i.get("humanCodingScheme"): i for i in package["CFItems"]}


@pytest.fixture
def demo_math() -> dict:
    """A fresh copy of the synthetic math framework (isChildOf tree, precedes, isRelatedTo)."""
    return copy.deepcopy(load(DEMO_MATH))


@pytest.fixture
def demo_codes(demo_math) -> dict[str, str]:
    """humanCodingScheme → identifier of the demo framework's items."""
    return {code: item["identifier"] for code, item in by_code(demo_math).items()}
