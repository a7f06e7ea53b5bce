"""The base of every API view: checks that apply to whatever a client sends."""

from rest_framework.exceptions import ValidationError
from rest_framework.views import APIView

from core.text import NUL, contains_nul


class TimebackAPIView(APIView):
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # PostgreSQL cannot store or compare text with NUL characters; refuse them up front
        # rather than fail inside a query.
        if NUL in request.path or contains_nul(dict(request.query_params.lists())):
            raise ValidationError({"url": "NUL characters are not allowed."})
        if request.method in ("POST", "PUT", "PATCH") and contains_nul(request.data):
            raise ValidationError({"body": "NUL characters are not allowed."})
