"""Channel backends. Each takes an OutgoingMessage and returns the provider's message id, or
raises DeliveryError (transient: retry later; permanent: give up, try the fallback)."""

import logging
from dataclasses import dataclass
from typing import ClassVar, Protocol

import httpx
from django.conf import settings
from django.core.mail import EmailMessage, make_msgid

from backoffice.core.masking import mask_text

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingMessage:
    channel: str
    recipient: str
    subject: str
    body: str
    idempotency_key: str
    language: str


class DeliveryError(Exception):
    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


class Backend(Protocol):
    def send(self, message: OutgoingMessage) -> str: ...


class ConsoleBackend:
    """Development: writes the message to the log (recipient masked)."""

    def send(self, message: OutgoingMessage) -> str:
        logger.info(
            "notification via %s to %s: %s",
            message.channel,
            mask_text(message.recipient),
            message.subject,
        )
        return f"console-{message.idempotency_key}"


class InMemoryBackend:
    """Tests: keeps every message in a class-level list."""

    outbox: ClassVar[list[OutgoingMessage]] = []

    def send(self, message: OutgoingMessage) -> str:
        self.outbox.append(message)
        return f"mem-{len(self.outbox)}"


class InAppBackend:
    """In-app messages live in our database; storing the row is the delivery."""

    delivers_immediately = True

    def send(self, message: OutgoingMessage) -> str:
        return f"in-app-{message.idempotency_key}"


class DjangoEmailBackend:
    def send(self, message: OutgoingMessage) -> str:
        message_id = make_msgid(domain=settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or None)
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            to=[message.recipient],
            headers={"Message-ID": message_id, "X-Idempotency-Key": message.idempotency_key},
        )
        try:
            email.send(fail_silently=False)
        except (OSError, ConnectionError) as exc:
            raise DeliveryError(f"smtp: {exc}", transient=True) from exc
        return message_id


class HttpProviderBackend:
    """An SMS or push provider with a JSON HTTP API: POST {to, subject, body, language}
    with the idempotency key as a header; answers {"id": "..."}."""

    url_setting = ""
    token_setting = ""

    def send(self, message: OutgoingMessage) -> str:
        url = getattr(settings, self.url_setting)
        if not url:
            raise DeliveryError(f"{self.url_setting} is not configured", transient=False)
        headers = {"Idempotency-Key": message.idempotency_key}
        token = getattr(settings, self.token_setting)
        if token:  # a provider reached over a private network may need none
            headers["Authorization"] = f"Bearer {token}"
        payload = {
            "to": message.recipient,
            "subject": message.subject,
            "body": message.body,
            "language": message.language,
        }
        try:
            response = httpx.post(
                url, json=payload, headers=headers, timeout=settings.NOTIFY_HTTP_TIMEOUT_SECONDS
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}", transient=True) from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise DeliveryError(f"provider answered {response.status_code}", transient=True)
        if response.status_code >= 400:
            raise DeliveryError(
                f"provider refused ({response.status_code}): {response.text[:200]}",
                transient=False,
            )
        try:
            return str(response.json()["id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise DeliveryError("provider answer has no message id", transient=False) from exc


class HttpSmsBackend(HttpProviderBackend):
    url_setting, token_setting = "NOTIFY_SMS_URL", "NOTIFY_SMS_TOKEN"


class HttpPushBackend(HttpProviderBackend):
    url_setting, token_setting = "NOTIFY_PUSH_URL", "NOTIFY_PUSH_TOKEN"
