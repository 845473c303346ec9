"""Money helpers: Decimal only, precision set by the currency's ISO 4217 minor unit.

Amounts travel as (Decimal, currency code). The minor unit of the currency decides how many
decimals are allowed; rounding is always explicit and happens only where an amount is
computed. Floats are refused everywhere: 0.1 + 0.2 is not money.
"""

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from .exceptions import ValidationFailed

# ISO 4217 minor units of the currencies the wallet settles in.
CURRENCY_MINOR_UNITS: dict[str, int] = {
    "JPY": 0,
    "KRW": 0,
    "CNY": 2,
    "HKD": 2,
    "MOP": 2,
    "TWD": 2,
    "SGD": 2,
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "KWD": 3,
    "BHD": 3,
    "OMR": 3,
}
CURRENCY_CHOICES = [(code, code) for code in sorted(CURRENCY_MINOR_UNITS)]
# Largest amount accepted anywhere (fits DecimalField(max_digits=18, decimal_places=3)).
MAX_AMOUNT = Decimal("999999999999999")
AMOUNT_MAX_DIGITS = 18
AMOUNT_DECIMAL_PLACES = 3


class MoneyError(ValidationFailed):
    code = "invalid_amount"
    message = _("The amount is not valid.")


def minor_units(currency: str) -> int:
    """Decimal places of `currency`; raises `currency_unknown` for anything not ISO 4217 here."""
    try:
        return CURRENCY_MINOR_UNITS[currency]
    except (KeyError, TypeError):
        raise MoneyError(
            _("Unknown currency %(currency)s.") % {"currency": str(currency)[:8]},
            code="currency_unknown",
            hint=_("Use a supported ISO 4217 code: %(codes)s.")
            % {"codes": ", ".join(sorted(CURRENCY_MINOR_UNITS))},
        ) from None


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def parse_amount(value: object, currency: str, *, allow_zero: bool = False) -> Decimal:
    """Turn user input into an exact, positive amount in `currency`.

    Accepts Decimal, int and str. Refuses floats, booleans, NaN and infinities, more decimals
    than the currency has, negatives, and amounts above MAX_AMOUNT. Never rounds.
    """
    places = minor_units(currency)
    if isinstance(value, (bool, float)):
        raise MoneyError(
            _("Amounts must not be sent as floating-point numbers."),
            code="amount_float_not_accepted",
            hint=_('Send the amount as a decimal string, for example "12.50".'),
        )
    try:
        if not isinstance(value, int | str | Decimal):
            raise InvalidOperation
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise MoneyError(
            _("The amount is not a number."),
            code="amount_not_a_number",
            hint=_('Send the amount as a decimal string, for example "12.50".'),
        ) from None
    if not amount.is_finite():
        raise MoneyError(
            _("The amount must be a finite number."),
            code="amount_not_finite",
            hint=_('Send the amount as a decimal string, for example "12.50".'),
        )
    if amount < 0 or (amount == 0 and not allow_zero):
        raise MoneyError(
            _("The amount must be greater than zero."),
            code="amount_not_positive",
            hint=_("Send a positive amount."),
        )
    if amount > MAX_AMOUNT:
        raise MoneyError(
            _("The amount is too large."),
            code="amount_too_large",
            hint=_("The largest amount accepted is %(max)s.") % {"max": MAX_AMOUNT},
        )
    if amount != amount.quantize(quantum(currency), rounding=ROUND_HALF_EVEN):
        raise MoneyError(
            _("%(currency)s amounts have at most %(places)d decimal places.")
            % {"currency": currency, "places": places},
            code="amount_too_precise",
            hint=_("Round the amount to %(places)d decimal places before sending it.")
            % {"places": places},
        )
    return amount.quantize(quantum(currency))


def quantize(amount: Decimal, currency: str, *, rounding: str) -> Decimal:
    """Round a computed amount to the currency's minor unit with an explicit rounding mode."""
    if not isinstance(amount, Decimal):
        raise TypeError("quantize() takes a Decimal, never a float")
    return amount.quantize(quantum(currency), rounding=rounding)


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Exact conversion for a gateway boundary; refuses anything that would need rounding."""
    if not isinstance(amount, Decimal):
        raise TypeError("to_minor_units() takes a Decimal, never a float")
    scaled = amount.scaleb(minor_units(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more precision than {currency} allows")
    return int(scaled)


def from_minor_units(value: int, currency: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("from_minor_units() takes an int")
    return Decimal(value).scaleb(-minor_units(currency)).quantize(quantum(currency))


def format_amount(amount: Decimal, currency: str) -> str:
    return f"{currency} {amount.quantize(quantum(currency)):,}"
