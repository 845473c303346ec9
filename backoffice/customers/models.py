import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from backoffice.core.masking import mask_email, mask_id_number, mask_phone
from backoffice.core.models import BaseModel
from backoffice.core.money import AMOUNT_DECIMAL_PLACES, AMOUNT_MAX_DIGITS, CURRENCY_CHOICES


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not an IANA time zone."), code="invalid", params={"value": value}
        )


class NotificationChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    PUSH = "push", _("App push")
    IN_APP = "in_app", _("In-app")


class Customer(BaseModel):
    """A wallet account holder."""

    wallet_account_id = models.CharField(_("wallet account id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=32, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    id_number = models.CharField(_("ID number"), max_length=64, blank=True)
    preferred_channel = models.CharField(
        _("preferred notification channel"),
        max_length=16,
        choices=NotificationChannel.choices,
        default=NotificationChannel.IN_APP,
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Hong_Kong", validators=[validate_time_zone]
    )
    registered_at = models.DateTimeField(_("registered at"), db_index=True)
    is_vulnerable = models.BooleanField(
        _("vulnerable customer"),
        default=False,
        help_text=_("Needs extra care: elderly, disabled or in financial difficulty."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("API login"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customer",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["id"]
        permissions = [("unmask_pii", _("Can see unmasked personal data (every use recorded)"))]

    def __str__(self) -> str:
        return f"{self.wallet_account_id}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_email(self) -> str:
        return mask_email(self.email)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


class TransactionType(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    TRANSFER = "transfer", _("Transfer")
    TOP_UP = "top_up", _("Top-up")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    REFUND = "refund", _("Refund")


class TransactionStatus(models.TextChoices):
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    PENDING = "pending", _("Pending")
    REVERSED = "reversed", _("Reversed")


def amount_field(verbose_name: str, **kwargs: object) -> models.DecimalField:
    return models.DecimalField(
        verbose_name,
        max_digits=AMOUNT_MAX_DIGITS,
        decimal_places=AMOUNT_DECIMAL_PLACES,
        **kwargs,
    )


class PaymentTransaction(BaseModel):
    """The payment core's record of a transaction, upserted by its transaction id."""

    transaction_id = models.CharField(_("transaction id"), max_length=64, unique=True)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="transactions",
    )
    counterparty = models.CharField(_("counterparty or merchant"), max_length=200, blank=True)
    type = models.CharField(_("type"), max_length=16, choices=TransactionType.choices)
    amount = amount_field(_("amount"))
    fee = amount_field(_("fee"), default=0)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    status = models.CharField(_("status"), max_length=16, choices=TransactionStatus.choices)
    channel = models.CharField(_("payment channel"), max_length=64, blank=True)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    error_message = models.CharField(_("error message"), max_length=500, blank=True)
    occurred_at = models.DateTimeField(_("created at (payment core)"))
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    raw_payload = models.JSONField(_("raw payload"), default=dict, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("payment transaction")
        verbose_name_plural = _("payment transactions")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "occurred_at"]),
            models.Index(fields=["customer", "counterparty", "amount"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="txn_amount_positive"),
            models.CheckConstraint(condition=models.Q(fee__gte=0), name="txn_fee_not_negative"),
        ]

    def __str__(self) -> str:
        return self.transaction_id
