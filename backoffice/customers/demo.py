"""Demo customers (customer1..customer20 can log in to the API) and their transactions:
ordinary ones plus duplicate charges, failures with the payment core's error codes and
transfers pending for days."""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from backoffice.core.actors import system_actor

from .models import Customer, PaymentTransaction, TransactionStatus, TransactionType
from .services import transaction_ingest_batch

NAMES = [
    "陳大文",
    "Mary Leung",
    "李小明",
    "John Smith",
    "王美玲",
    "Ka Ho Wong",
    "林志強",
    "Amy Tsang",
    "張偉",
    "Peter Ng",
]
ZONES = ["Asia/Hong_Kong", "Asia/Shanghai", "Asia/Taipei", "Europe/London", "America/New_York"]
LANGS = ["en", "zh-hans", "zh-hant"]
CHANNELS = ["in_app", "sms", "email", "push"]
MERCHANTS = [
    "Harbour Coffee",
    "Star Mart",
    "Metro Taxi",
    "Panda Books",
    "Kowloon Electric",
    "Sunrise Telecom",
    "City Gym",
    "Golden Noodle",
]
FAILURES = [
    ("INSUFFICIENT_BALANCE", "Insufficient wallet balance"),
    ("OTP_TIMEOUT", "One-time code not entered in time"),
    ("LIMIT_EXCEEDED", "Daily limit exceeded"),
    ("CARD_EXPIRED", "Linked card expired"),
    ("RISK_REJECTED", "Rejected by risk control"),
    ("CHANNEL_UNAVAILABLE", "Bank channel unavailable"),
]
CURRENCY_BY_ZONE = {
    "Asia/Hong_Kong": "HKD",
    "Asia/Shanghai": "CNY",
    "Asia/Taipei": "TWD",
    "Europe/London": "GBP",
    "America/New_York": "USD",
}


def _customers(ctx) -> list[Customer]:
    user_model = get_user_model()
    now = timezone.now()
    customers = []
    for i in range(1, 51):
        zone = ZONES[i % len(ZONES)]
        customer, _ = Customer.objects.get_or_create(
            wallet_account_id=f"W{10000000 + i}",
            defaults={
                "name": f"{NAMES[i % len(NAMES)]} {i}",
                "phone": f"1{3 + i % 6}{(i * 7919) % 1000000000:09d}",
                "email": f"customer{i}@mail.example",
                "id_number": f"11010119{80 + i % 20}0{1 + i % 9}0{1 + i % 9}{i:04d}",
                "preferred_channel": CHANNELS[i % len(CHANNELS)],
                "language": LANGS[i % len(LANGS)],
                "time_zone": zone,
                "registered_at": now - timedelta(days=3 + (i * 37) % 900),
                "is_vulnerable": i % 11 == 0,
            },
        )
        if i <= 20:
            user, _ = user_model.objects.get_or_create(username=f"customer{i}")
            user.set_password(ctx.password)
            user.save()
            if customer.user_id != user.pk:
                customer.user = user
                customer.save(update_fields=["user"])
        customers.append(customer)
    ctx.logins.append(("customer1 … customer20", "wallet customer (API)"))
    return customers


def _row(n, customer, merchant, amount, currency, status, when, **extra) -> dict:
    return {
        "transaction_id": f"TXN{when:%Y%m%d}{n:06d}",
        "wallet_account_id": customer.wallet_account_id,
        "type": extra.pop("type", TransactionType.PAYMENT),
        "amount": str(amount),
        "fee": str(extra.pop("fee", Decimal("0.00"))),
        "currency": currency,
        "status": status,
        "counterparty": merchant,
        "channel": extra.pop("channel", "wallet_balance"),
        "occurred_at": when.isoformat(),
        **extra,
    }


def _transactions(customers: list[Customer], ctx) -> list[dict]:
    rng, now, rows = ctx.rng, timezone.now(), []
    for n in range(1, 501):
        customer = customers[n % len(customers)]
        currency = CURRENCY_BY_ZONE[customer.time_zone]
        when = now - timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 1440))
        merchant = rng.choice(MERCHANTS)
        amount = Decimal(rng.randint(500, 250000)) / 100
        kind = n % 25
        if kind == 1 and rows:  # duplicate charge: same merchant and amount a minute later
            first = rows[-1]
            dup = dict(first, transaction_id=f"{first['transaction_id']}D")
            dup["occurred_at"] = (
                when.fromisoformat(first["occurred_at"]) + timedelta(seconds=50)
            ).isoformat()
            rows.append(dup)
            continue
        if kind in (2, 3):
            code, message = rng.choice(FAILURES)
            rows.append(
                _row(
                    n,
                    customer,
                    merchant,
                    amount,
                    currency,
                    TransactionStatus.FAILED,
                    when,
                    error_code=code,
                    error_message=message,
                )
            )
        elif kind == 4:  # a transfer pending for days (bank clearing delay)
            rows.append(
                _row(
                    n,
                    customer,
                    "",
                    amount,
                    currency,
                    TransactionStatus.PENDING,
                    now - timedelta(days=3, hours=n % 24),
                    type=TransactionType.TRANSFER,
                    channel="bank_transfer",
                    fee=Decimal("5.00"),
                )
            )
        else:
            settled = (when + timedelta(seconds=3)).isoformat()
            rows.append(
                _row(
                    n,
                    customer,
                    merchant,
                    amount,
                    currency,
                    TransactionStatus.SUCCEEDED,
                    when,
                    settled_at=settled,
                )
            )
    return rows


def seed_demo(ctx) -> None:
    customers = _customers(ctx)
    if PaymentTransaction.objects.exists():
        ctx.out("transactions already present: kept as they are")
        return
    result = transaction_ingest_batch(
        rows=_transactions(customers, ctx), actor=system_actor("demo-seed")
    )
    ctx.out(f"{len(customers)} customers, {result.created} transactions")
