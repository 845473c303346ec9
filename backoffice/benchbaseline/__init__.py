"""A benchmark-only baseline: one row inserted through a plain DRF serializer.

tests/benchmarks/bench_http.py compares complaint intake and warning evaluation with this
endpoint, served by the same process, so the ratio shows what the domain work costs over
the cheapest authenticated insert the stack can do. The URL is mounted only when
BENCH_BASELINE=true (see backoffice/urls.py); the table exists everywhere so that the
migration state is the same with and without the switch.
"""
