"""Extension points filled by other apps in their AppConfig.ready().

`notice_compensation_providers`: callables `complaint -> list[dict]`, each dict with
"description", "amount", "currency", "reference" and "account"; their lines are listed in
the resolution notice.

`resolution_notice_guards`: callables `complaint -> str | None`; any non-None reason blocks
sending the resolution notice (e.g. compensation still awaiting approval).
"""

from collections.abc import Callable
from typing import Any

notice_compensation_providers: list[Callable[[Any], list[dict[str, Any]]]] = []
resolution_notice_guards: list[Callable[[Any], str | None]] = []
