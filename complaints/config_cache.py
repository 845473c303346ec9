"""Regimes, their holidays and the SLA policies, kept in each process: intake reads them
for every complaint and the SLA sweep for every complaint that falls due, while they change
a few times a year in the admin. A ProcessCache (backoffice.core.refcache): a save or
delete of any of these rows reaches every process within a second. Callers get new model
instances each time, never one shared between threads."""

import copy
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Model

from backoffice.core.refcache import ProcessCache

from .models import RegimeHoliday, RegulatoryRegime, SlaPolicy


@dataclass(frozen=True)
class _Rows:
    model: type[Model]
    names: tuple[str, ...]
    values: tuple[tuple[Any, ...], ...]

    @classmethod
    def of(cls, model: type[Model]) -> "_Rows":
        names = tuple(f.attname for f in model._meta.concrete_fields)
        return cls(model, names, tuple(model.objects.values_list(*names)))

    def instances(self) -> list[Any]:
        """New instances, with their own copies of mutable values (JSON lists)."""
        return [
            self.model.from_db(DEFAULT_DB_ALIAS, self.names, copy.deepcopy(row))
            for row in self.values
        ]


@dataclass(frozen=True)
class ComplaintConfig:
    regimes: _Rows
    policies: _Rows
    holidays: dict[int, frozenset[date]]


def _build() -> ComplaintConfig:
    holidays: dict[int, set[date]] = {}
    for regime_id, day in RegimeHoliday.objects.values_list("regime_id", "date"):
        holidays.setdefault(regime_id, set()).add(day)
    return ComplaintConfig(
        regimes=_Rows.of(RegulatoryRegime),
        policies=_Rows.of(SlaPolicy),
        holidays={k: frozenset(v) for k, v in holidays.items()},
    )


CONFIG: ProcessCache[ComplaintConfig] = ProcessCache("complaints:config", _build)
CONFIG_MODELS = (RegulatoryRegime, RegimeHoliday, SlaPolicy)


def regimes() -> list[RegulatoryRegime]:
    return CONFIG.get().regimes.instances()


def sla_policies() -> list[SlaPolicy]:
    return CONFIG.get().policies.instances()


def regime_holidays(regime_id: int) -> frozenset[date]:
    return CONFIG.get().holidays.get(regime_id, frozenset())
