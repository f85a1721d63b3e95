"""Fuzzy search over trial digests: typo-, accent- and prefix-tolerant, instant at registry scale.

``SearchIndex.build(digests).search("dinutuximab site:guangzhou")`` → ranked `Hit` values.
"""

from trialtui.search.index import FIELD_SEPARATOR, Hit, SearchFilters, SearchIndex, field_text
from trialtui.search.query import Query, QueryTerm, parse_query

__all__ = ["FIELD_SEPARATOR", "Hit", "Query", "QueryTerm", "SearchFilters", "SearchIndex",
           "field_text", "parse_query"]
