"""A broad query's rows at scale: every match listed, in order, with what it matched, while past
the best few no object per match outlives the query (each such query otherwise set off a full pass
of the cycle collector over the whole library: a pause in the app)."""

from __future__ import annotations

import gc

import pytest

from trialtui.search.index import Hit
from trialtui.session import ResultRow, ReviewSession


@pytest.fixture(scope="module")
def session(api_trials, tmp_path_factory):
    import os

    os.environ["TRIALTUI_HOME"] = str(tmp_path_factory.mktemp("rows-home"))
    session = ReviewSession()
    session.library.import_trials(api_trials)
    session.load()
    session.build_index()
    yield session
    session.close()


def alive(kind) -> int:
    gc.collect()
    return sum(isinstance(thing, kind) for thing in gc.get_objects())


def test_a_broad_query_lists_every_match_in_order_without_a_row_object_per_match(session):
    rows = session.rows("cancer")
    assert not rows.complete and len(rows.head) < len(rows)
    assert rows.finish() and rows.complete
    digests = rows.digests()
    assert len(digests) == len(rows) > 200
    # The same rows read one at a time, by index and by slice, in the same order.
    assert [row.digest.trial_id for row in rows] == [d.trial_id for d in digests]
    assert rows[len(rows) - 1].digest is digests[-1] and rows[-1].digest is digests[-1]
    assert [row.digest for row in rows[100:110]] == digests[100:110]
    last = rows[-1]
    assert isinstance(last, ResultRow) and 0 < last.score <= rows[0].score and last.matched
    assert rows.matched(last.digest.trial_id) == last.matched
    assert "cancer" in " ".join((last.digest.title, *last.digest.conditions, *last.digest.keywords,
                                 last.digest.official_title)).lower() or last.matched != ("title",)
    # Past the head, nothing per match is kept: neither a hit nor a row.
    best, hits, made = len(rows.head), alive(Hit), alive(ResultRow)
    assert hits <= best < len(rows) // 2 and made <= 2  # the best, and `last`
    with pytest.raises(IndexError):
        rows[len(rows)]


def test_a_filtered_listing_without_words_is_every_admitted_trial_in_order(session):
    from trialtui.search.index import SearchFilters

    rows = session.rows("", SearchFilters(statuses=frozenset({"COMPLETED"})))
    rows.finish()
    listed = [d.trial_id for d in rows.digests()]
    completed = sorted(d.trial_id for d in session.catalog.digests if d.status == "COMPLETED")
    assert listed == completed and len(listed) > 100
    assert rows.matched(listed[-1]) == () and rows[-1].score == 0.0
