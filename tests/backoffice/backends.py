"""Test doubles for notification channels."""

from typing import ClassVar

from backoffice.notifications.backends import DeliveryError, OutgoingMessage


class FlakyBackend:
    """Fails `failures` times (transient or not), then delivers."""

    failures: ClassVar[int] = 0
    transient: ClassVar[bool] = True
    sent: ClassVar[list[OutgoingMessage]] = []

    def send(self, message: OutgoingMessage) -> str:
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise DeliveryError("provider unavailable", transient=FlakyBackend.transient)
        FlakyBackend.sent.append(message)
        return f"flaky-{len(FlakyBackend.sent)}"
