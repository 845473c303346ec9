from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from .models import ServiceCredential


def customer_of(request):
    """The Customer behind a customer request (None for anyone else)."""
    if isinstance(request.auth, ServiceCredential):
        return None
    user = request.user
    if not user or not user.is_authenticated:
        return None
    return getattr(user, "customer", None)


class IsCustomer(BasePermission):
    """A wallet customer: a user linked to a Customer, never a service credential."""

    message = _("This endpoint is for wallet customers.")

    def has_permission(self, request, view) -> bool:
        return customer_of(request) is not None


class IsService(BasePermission):
    """An integrating system authenticated with a service credential."""

    message = _("This endpoint is for integrating systems with a service credential.")

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ServiceCredential)
