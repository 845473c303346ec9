"""Factories for the shared kernel. Apps' own factories live in tests/<app>/factories.py."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from backoffice.customers.models import (
    Customer,
    PaymentTransaction,
    TransactionStatus,
    TransactionType,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    password = factory.django.Password("pass-1234")


def staff_user(role: str, username: str | None = None, **kwargs):
    """An active staff user in the group of `role` (agent, supervisor, manager, ...)."""
    user = UserFactory(
        username=username or f"{role}-{UserFactory._meta.model.objects.count()}",
        is_staff=True,
        **kwargs,
    )
    user.groups.add(Group.objects.get(name=role))
    return user


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    wallet_account_id = factory.Sequence(lambda n: f"W{20000000 + n}")
    name = factory.Faker("name")
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    email = factory.Sequence(lambda n: f"c{n}@mail.example")
    id_number = factory.Sequence(lambda n: f"11010119900307{n:04d}")
    language = "en"
    time_zone = "Asia/Hong_Kong"
    registered_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=400))


class CustomerWithLoginFactory(CustomerFactory):
    user = factory.SubFactory(UserFactory)


class PaymentTransactionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentTransaction

    transaction_id = factory.Sequence(lambda n: f"TXN{n:012d}")
    customer = factory.SubFactory(CustomerFactory)
    counterparty = "Harbour Coffee"
    type = TransactionType.PAYMENT
    amount = Decimal("100.00")
    fee = Decimal("0.00")
    currency = "HKD"
    status = TransactionStatus.SUCCEEDED
    occurred_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=2))
