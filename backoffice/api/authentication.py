"""Who is calling: customers (our JWT, or the identity provider's RS256 JWT) and
integrating systems (service credentials). The two never mix: a service credential is only
accepted on /api/v1/service/ views, which accept nothing else."""

import hmac
from types import SimpleNamespace

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework_simplejwt.authentication import JWTAuthentication

from .models import ServiceCredential, hash_secret


class ServiceCredentialAuthentication(BaseAuthentication):
    keyword = "Service"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].decode(errors="replace") != self.keyword:
            return None
        if len(parts) != 2 or b"." not in parts[1]:
            raise exceptions.AuthenticationFailed(_("Malformed service credential."))
        key_id, _dot, secret = parts[1].decode(errors="replace").partition(".")
        credential = (
            ServiceCredential.objects.select_related("user")
            .filter(key_id=key_id, is_active=True)
            .first()
        )
        if credential is None or not hmac.compare_digest(
            credential.secret_hash, hash_secret(secret)
        ):
            raise exceptions.AuthenticationFailed(_("Invalid service credential."))
        ServiceCredential.objects.filter(pk=credential.pk).update(last_used_at=timezone.now())
        return credential.user, credential

    def authenticate_header(self, request):
        return self.keyword


class CustomerJWTAuthentication(JWTAuthentication):
    """simplejwt's access tokens with all of simplejwt's checks (user found, active, token
    not revoked), the login's customer read in the same query as the user: every customer
    request needs both, and a second round trip to the database was a tenth of a warning
    evaluation. simplejwt reads the user through `user_model.objects.get`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = self.user_model
        self.user_model = SimpleNamespace(
            objects=users.objects.select_related("customer"), DoesNotExist=users.DoesNotExist
        )


class IdentityProviderJWTAuthentication(BaseAuthentication):
    """Accepts RS256 access tokens from the wallet's identity provider, when its public key
    is configured. The `sub` claim is the customer's wallet account id."""

    def authenticate(self, request):
        key = settings.IDP_JWT_PUBLIC_KEY
        parts = get_authorization_header(request).split()
        if not key or len(parts) != 2 or parts[0] != b"Bearer":
            return None
        token = parts[1].decode(errors="replace")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return None
        if header.get("alg") != "RS256":
            return None  # one of our own HS256 tokens: JWTAuthentication judges it next
        options = {"require": ["exp", "sub"], "verify_aud": bool(settings.IDP_JWT_AUDIENCE)}
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=settings.IDP_JWT_AUDIENCE or None,
                issuer=settings.IDP_JWT_ISSUER or None,
                options=options,
            )
        except jwt.PyJWTError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid identity-provider token.")) from exc
        user = (
            get_user_model()
            .objects.select_related("customer")
            .filter(customer__wallet_account_id=claims["sub"], is_active=True)
            .first()
        )
        if user is None:
            raise exceptions.AuthenticationFailed(_("No customer login for this account."))
        return user, claims

    def authenticate_header(self, request):
        return "Bearer"
