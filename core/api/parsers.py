"""The JSON parser of every API surface: DRF's, bounded in nesting depth.

Python's json module recurses once per level: a body nested about 1,000 levels deep raised
RecursionError (a 500), and a shallower one reached the writers, whose JSON columns and
encoders recurse again. A body deeper than API_MAX_JSON_DEPTH is a 400 naming the limit.
"""

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from core.text import nesting_exceeds


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_JSON_DEPTH
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested more than {limit} levels deep") from None
        if nesting_exceeds(data, limit):
            raise ParseError(f"JSON parse error - nested more than {limit} levels deep")
        return data
