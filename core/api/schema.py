"""OpenAPI (drf-spectacular) extensions: how our authentication appears in the schema."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema


class PartnerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "core.api.auth.PartnerTokenAuthentication"
    name = "partnerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An OAuth2 client-credentials token from POST /auth/1.0/token.",
        }


class TimebackAutoSchema(AutoSchema):
    """Names collection reads `..._list` and object reads `..._retrieve`: our generic views
    serve both, which the default naming cannot tell apart."""

    def get_operation_id(self):
        operation_id = super().get_operation_id()
        if self.method == "GET" and not self.path.rstrip("/").endswith("}"):
            operation_id = operation_id.removesuffix("_retrieve") + "_list"
        return operation_id
