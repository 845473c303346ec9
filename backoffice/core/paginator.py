"""A paginator for admin lists of large tables.

Django's paginator counts with COUNT(*), which on PostgreSQL reads the whole table (or
its whole index): at a million rows that alone costs more than rendering the page. An
unfiltered list does not need the exact figure, so for it PostgreSQL's own estimate
(`pg_class.reltuples`, refreshed by autovacuum's ANALYZE) is shown, marked as approximate
by the templates. A filtered list, a small table and any other database are counted
exactly, in one query either way, so the query count does not change with the size.
"""

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


class EstimatedCountPaginator(Paginator):
    # Below this many rows the planner's estimate is not worth its imprecision.
    estimate_from = 100_000
    is_estimate = False

    @cached_property
    def count(self) -> int:
        table = self._unfiltered_table()
        if table is None:
            return super().count
        count, self.is_estimate = self._estimate_or_count(table)
        return count

    def _unfiltered_table(self) -> str | None:
        """The table whose every row is listed, or None when the list is filtered (or is
        not a plain queryset on PostgreSQL)."""
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return None
        query = queryset.query
        if connections[queryset.db].vendor != "postgresql":
            return None
        if query.where or query.combinator or query.is_sliced or query.distinct:
            return None
        return queryset.model._meta.db_table

    def _estimate_or_count(self, table: str) -> tuple[int, bool]:
        """One statement: the estimate when it is large, else an exact COUNT(*). CASE runs
        the count's sub-select only when its branch is taken. reltuples is -1 for a table
        never analysed, which falls to the exact count."""
        connection = connections[self.object_list.db]
        quoted = connection.ops.quote_name(table)  # a model's table name, quoted
        sql = f"""
            SELECT CASE WHEN reltuples >= %s THEN reltuples::bigint
                        ELSE (SELECT count(*) FROM {quoted}) END,
                   reltuples >= %s
            FROM pg_class WHERE oid = %s::regclass
        """  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.estimate_from, self.estimate_from, quoted])
            count, estimated = cursor.fetchone()
        return int(count), bool(estimated)
