"""OpenAPI descriptions of the custom authentication schemes."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ServiceCredentialScheme(OpenApiAuthenticationExtension):
    target_class = "backoffice.api.authentication.ServiceCredentialAuthentication"
    name = "serviceCredential"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Service <key_id>.<secret>`, issued to the payment core.",
        }


class IdentityProviderScheme(OpenApiAuthenticationExtension):
    target_class = "backoffice.api.authentication.IdentityProviderJWTAuthentication"
    name = "identityProviderJWT"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (RS256)"}


class CustomerJWTScheme(SimpleJWTScheme):
    """Our simplejwt subclass is the same scheme as simplejwt's (`jwtAuth`)."""

    target_class = "backoffice.api.authentication.CustomerJWTAuthentication"
