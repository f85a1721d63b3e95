"""One search at a time on the index, and a superseded search stops: queries and additions from
two threads leave the index answering as a fresh build does, and typing fast in the app stops
every search a newer keystroke superseded (the index's and the ranking of the rest alike)."""

from __future__ import annotations

import sys
import threading

import pytest
from textual.widgets import Input

from pilot_helpers import SIZE, loaded, type_text, wait_for
from trialtui.search import SearchIndex
from trialtui.search import index as index_module
from trialtui.search.index import Stopped
from trialtui.tui.app import build_app


@pytest.fixture
def fast_switching():
    """Threads switch every microsecond, so that a race in the index shows in a short test."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def test_searches_beside_additions_on_another_thread_leave_the_index_as_additions_alone_do(api_digests, fast_switching):
    base, extra = api_digests[:800], api_digests[800:]
    index = SearchIndex.build(base)
    queries = ["cancer", "pembrolizumab", "site:boston", "lung cancer", "canc", "breast", "sponsor:national"]
    failures: list[BaseException] = []
    adding = threading.Event()

    def search_meanwhile() -> None:
        try:
            while not adding.is_set():
                for query in queries:
                    index.search(query, limit=20)
                    len(index.matches(query))
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            failures.append(error)

    searcher = threading.Thread(target=search_meanwhile)
    searcher.start()
    try:
        for digest in extra:
            index.add(digest)
    finally:
        adding.set()
        searcher.join()
    assert not failures, failures
    alone = SearchIndex.build(base)  # the same additions with nothing searching meanwhile
    for digest in extra:
        alone.add(digest)
    for query in queries:  # no query's kept postings predate the additions
        assert [hit.trial_id for hit in index.matches(query)] == [hit.trial_id for hit in alone.matches(query)], query


def test_a_search_whose_stop_says_so_gives_up_and_its_rest_stops_ranking(api_digests, monkeypatch):
    index = SearchIndex.build(api_digests)
    with pytest.raises(Stopped):
        index.matches("cancer", stop=lambda: True)
    with pytest.raises(Stopped):
        index.search("cancer", stop=lambda: True)
    monkeypatch.setattr(index_module, "_TAIL_CHUNK", 10)
    found = index.matches("cancer", stop=lambda: False)
    asked = []
    assert not found.finish(stop=lambda: asked.append(1) or len(asked) > 3)  # stopped after three chunks
    assert not found.complete and len(asked) == 4
    assert found.finish() and found.complete  # read later, the rest is ranked whole


def _until(condition, seconds: float = 20.0) -> None:
    """Wait (on a worker thread) until `condition()` holds; give up after `seconds`."""
    done = threading.Event()
    while not condition() and seconds > 0:
        done.wait(0.002)
        seconds -= 0.002


async def test_typing_fast_stops_every_superseded_search(shared_data, monkeypatch):
    """Each keystroke starts a search; each search is held where it is until the next keystroke
    (a search at registry scale still running): the index's search at every other keystroke, the
    ranking of the rest at the others. Each is told to stop when superseded and gives up there: a
    search stopped in the index never reaches the list, a rest stopped is never ranked whole."""
    monkeypatch.setattr(index_module, "_TAIL_CHUNK", 20)  # the rest ranked in many steps, each asking stop
    typed = "cancer patients"
    heads: list[tuple[str, bool]] = []  # (query, whether the index's search gave up)
    tails: list[tuple[str, bool]] = []  # (query, whether its worker ranked the rest to the end), for a rest to rank
    matches = SearchIndex.matches

    def held_matches(self, query, *args, stop=None, **kwargs):
        superseded = query != typed
        if superseded and len(heads) % 2 == 0:
            _until(stop)
        try:
            found = matches(self, query, *args, stop=stop, **kwargs)
        except Stopped:
            heads.append((query, True))
            raise
        heads.append((query, False))
        finish = found.finish

        def held_finish(stop=None):
            if found.complete or len(found) == len(found.head):  # nothing left to rank
                return finish(stop)
            if superseded:
                _until(stop)
            ranked_meanwhile = found.complete  # the list read past the best rows while it was shown
            done = finish(stop)
            tails.append((query, done and not ranked_meanwhile))
            return done

        found.finish = held_finish
        return found

    monkeypatch.setattr(SearchIndex, "matches", held_matches)
    app = build_app([shared_data / "ctgov-v2" / "studies.v2.jsonl.gz"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await wait_for(pilot, lambda: app.session.searchable, "the index built", timeout=60)
        shown: list[str] = []
        show = screen._show_rows
        monkeypatch.setattr(screen, "_show_rows", lambda rows, query, announce=True: (
            shown.append(query), show(rows, query, announce))[1])
        await pilot.press("slash")
        await type_text(pilot, typed)
        assert screen.query_one("#search", Input).value == typed
        await wait_for(pilot, lambda: (typed, True) in tails, "the last query ranked whole")
        await wait_for(pilot, lambda: shown.count(typed) == 2, "the last query listed, then all of it")
    stopped_heads = [query for query, gave_up in heads if gave_up]
    stopped_tails = [query for query, done in tails if not done]
    assert len(stopped_heads) >= 3 and len(stopped_tails) >= 3, (heads, tails)
    assert typed not in stopped_heads + stopped_tails
    assert [query for query, done in tails if done] == [typed]  # no superseded rest ranked to the end
    assert not set(stopped_heads) & set(shown) and shown[-1] == typed  # what gave up never reached the list
