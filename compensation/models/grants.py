"""What a customer holds after execution: coupons, fee waivers, and the embedded wallet
ledger's refund credits (the payment gateway used by the demo and the tests)."""

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from backoffice.core.models import BaseModel
from backoffice.core.money import CURRENCY_CHOICES
from backoffice.customers.models import Customer, amount_field

from .proposal import ProposalLine

# No look-alikes (0/O, 1/I/L): codes are typed in by hand and read out on the phone.
COUPON_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
COUPON_CODE_LENGTH = 12  # 31^12 ≈ 7.9e17 codes: not guessable, with rate-limited redemption


def new_coupon_code() -> str:
    """A cryptographically random code, grouped for reading: XXXX-XXXX-XXXX."""
    raw = "".join(secrets.choice(COUPON_ALPHABET) for _ in range(COUPON_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, COUPON_CODE_LENGTH, 4))


class Coupon(BaseModel):
    """A single-use discount owned by one customer: amount off or percent off."""

    code = models.CharField(_("code"), max_length=20, unique=True, editable=False)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="coupons"
    )
    line = models.OneToOneField(
        ProposalLine,
        verbose_name=_("proposal line"),
        on_delete=models.PROTECT,
        related_name="coupon",
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    amount_off = amount_field(_("amount off"), null=True, blank=True)
    percent_off = models.DecimalField(
        _("percent off"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    max_discount = amount_field(_("largest discount"))
    min_spend = amount_field(_("minimum spend"), default=0)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    used_transaction_id = models.CharField(_("used for transaction"), max_length=64, blank=True)
    discount_given = amount_field(_("discount given"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(amount_off__isnull=False, percent_off__isnull=True)
                    | models.Q(amount_off__isnull=True, percent_off__isnull=False)
                ),
                name="compensation_coupon_one_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(max_discount__gt=0), name="compensation_coupon_has_value"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_used(self) -> bool:
        return self.used_at is not None


class FeeWaiver(BaseModel):
    """Fees waived on the customer's next transactions of some types: a remaining count
    (or none: unlimited until expiry) and a remaining amount, never below zero."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="fee_waivers"
    )
    line = models.OneToOneField(
        ProposalLine,
        verbose_name=_("proposal line"),
        on_delete=models.PROTECT,
        related_name="fee_waiver",
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    transaction_types = models.JSONField(_("transaction types"), default=list, blank=True)
    remaining_count = models.PositiveSmallIntegerField(
        _("transactions left"), null=True, blank=True
    )
    max_total = amount_field(_("maximum total waived"))
    remaining_amount = amount_field(_("amount left"))
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("fee waiver")
        verbose_name_plural = _("fee waivers")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(remaining_amount__gte=0)
                & models.Q(remaining_amount__lte=models.F("max_total")),
                name="compensation_waiver_amount_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.currency} {self.remaining_amount}"


class FeeWaiverUse(models.Model):
    """One fee waived on one transaction; the unique transaction id makes a retried
    consume call harmless."""

    waiver = models.ForeignKey(
        FeeWaiver, verbose_name=_("fee waiver"), on_delete=models.PROTECT, related_name="uses"
    )
    transaction_id = models.CharField(_("transaction id"), max_length=64, unique=True)
    fee = amount_field(_("fee"))
    waived = amount_field(_("waived"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("fee waiver use")
        verbose_name_plural = _("fee waiver uses")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.transaction_id}: {self.waived}"


class WalletLedgerEntry(models.Model):
    """A credit to a customer's wallet, written by the embedded ledger gateway. The unique
    idempotency key is what makes a payout happen once."""

    idempotency_key = models.CharField(_("idempotency key"), max_length=64, unique=True)
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="wallet_credits",
    )
    account = models.CharField(_("account credited"), max_length=64)
    amount = amount_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    original_transaction_id = models.CharField(_("original transaction"), max_length=64, blank=True)
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("wallet ledger entry")
        verbose_name_plural = _("wallet ledger entries")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="compensation_ledger_amount_positive"
            )
        ]

    def __str__(self) -> str:
        return self.reference
