"""Staff admin for compensation: policies and versions (with a side-by-side comparison),
approval tiers, budget usage, proposals with their traces and service-backed buttons,
coupons, fee waivers and the wallet ledger."""

from . import grants, policies, proposals

__all__ = ["grants", "policies", "proposals"]
