import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from backoffice.core.models import BaseModel


def hash_secret(secret: str) -> str:
    # The secret is 256 random bits, so a plain SHA-256 is enough (no password stretching).
    return hashlib.sha256(secret.encode()).hexdigest()


class ServiceCredential(BaseModel):
    """A credential for another system (the payment core) calling /api/v1/service/.

    The header is `Authorization: Service <key_id>.<secret>`; only the secret's hash is
    stored. Requests act as `user`, an inactive system user, so history names the caller.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    key_id = models.CharField(_("key id"), max_length=32, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_credential"
    )
    is_active = models.BooleanField(_("active"), default=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["secret_hash", "last_used_at"])

    class Meta:
        verbose_name = _("service credential")
        verbose_name_plural = _("service credentials")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def new_secret() -> tuple[str, str]:
        return secrets.token_hex(8), secrets.token_urlsafe(32)
