"""OpenAPI (drf-spectacular) extensions: how our authentication appears in the schema."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class PartnerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "timeback.api.auth.PartnerTokenAuthentication"
    name = "partnerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An OAuth2 client-credentials token from POST /auth/1.0/token.",
        }
