"""Customer login: JWT pairs for users linked to a wallet customer, and nobody else."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from .throttling import StrictScopedRateThrottle


class CustomerTokenObtainPairSerializer(TokenObtainPairSerializer):
    default_error_messages = {
        "no_active_account": _("No active customer account found with the given credentials.")
    }

    def validate(self, attrs):
        data = super().validate(attrs)
        if getattr(self.user, "customer", None) is None:
            # Staff and system users do not get API tokens: same answer as a bad password.
            raise exceptions.AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            )
        return data


class _TokenThrottle:
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [StrictScopedRateThrottle]
    throttle_scope = "token"


@extend_schema(tags=["auth"], summary="Log in a customer: returns access and refresh tokens")
class CustomerTokenObtainView(_TokenThrottle, TokenObtainPairView):
    serializer_class = CustomerTokenObtainPairSerializer


@extend_schema(tags=["auth"], summary="Exchange a refresh token for a new access token")
class CustomerTokenRefreshView(_TokenThrottle, TokenRefreshView):
    pass
