"""The in-memory search index over trial digests: a few milliseconds per query at registry scale.

Layout (all per field, so a drug match can outrank a mention in an arm description): every term
has a number (`Vocabulary`); per field, term number → postings, the document numbers in
increasing order (an ``array('I')``, or a plain int for the many terms found in one trial only).
A query word is first resolved against the vocabulary (exact, completions, typos — see `vocab`),
the cheapest word's postings give the candidates, the other words narrow them (set intersection,
or a binary search in a long postings list). The best few dozen candidates are then checked
without reading text, which says which fields each word matched in and how well: in the word's
postings lists (binary search) when it has few, else in the trial's term numbers (one array per
trial, by field). Only fields that can earn a bonus are then re-read from the digest, best
candidates first and until no other can reach the last place, to score phrases and togetherness
and to find what to highlight.
"""

from __future__ import annotations

import gc
import math
import re
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from heapq import heappush, heapreplace, nlargest
from itertools import accumulate, chain, count
from operator import add, methodcaller

from trialtui.digest import TrialDigest
from trialtui.search.normalize import TOKEN, STOPWORDS, fold, fold_with_origin, terms, token_spans, words as words_of
from trialtui.search.query import Query, QueryTerm, parse_query
from trialtui.search.ranking import (
    COVER_BONUS, FIELD_WEIGHTS, FIELDS, MULTI_FIELD_BONUS, TOGETHER_BONUS, Kind, term_score, to_percent,
)
from trialtui.search.vocab import Vocabulary

FIELD_SEPARATOR = "; "
"""Joins the values of a many-valued field into the text that `Hit.spans` offsets point into."""

_NAME_FIELDS = frozenset({"drugs", "facilities", "cities", "states", "countries", "sponsors",
                          "conditions", "keywords"})
"""Short values that repeat across trials: tokenised once per distinct value while building."""
_WALK_OVER = 20_000
"""A lone word with more postings than this is ranked by walking its best postings first."""
_VERIFY_UNDER = 120
"""Fewer candidates than this are checked against their digests instead of more postings."""
_LONG_LIST = 16
"""A field with more values than this is a long list: see `SearchIndex._explain`."""
_NOTHING = re.compile(r"(?!)")
_GLUE = "[-/.'_+]?"
"""Between the letters of a term in a word's regex, so "yatsen" also finds "Yat-sen"."""
_PHASE_BITS = {"EARLY_PHASE1": 1, "PHASE1": 2, "PHASE2": 4, "PHASE3": 8, "PHASE4": 16, "NA": 32}
_FIELD_COUNT = len(FIELDS)
_FEW_SOURCES = 32
"""A word with at most this many postings lists is checked against a candidate in them."""
_TITLE = FIELDS.index("title")
"""Always re-read when matched: the list highlights it."""
_exhaust = deque(maxlen=0).extend
"""Runs an iterator of C calls to its end without a Python loop (the build's posting appends)."""


@dataclass(frozen=True)
class SearchFilters:
    """Filters beside the query; empty means no restriction."""

    statuses: frozenset[str] = frozenset()
    """Recruitment statuses, API spelling (``RECRUITING``) or words ("Not yet recruiting")."""
    phases: frozenset[str] = frozenset()
    """``PHASE2``, "Phase 2", "2", ``NA``...; a trial passes if any of its phases is listed."""
    country: str | None = None
    patient_age: float | None = None
    """Years; passes trials whose age limits admit it (a missing limit admits everyone)."""

    def __bool__(self) -> bool:
        return bool(self.statuses or self.phases or self.country or self.patient_age is not None)


@dataclass(frozen=True, slots=True)
class Hit:
    trial_id: str
    score: float
    """0..100, higher is better."""
    matched: tuple[str, ...] = ()
    """Digest fields any query word matched in, most specific first."""
    spans: dict[str, tuple[tuple[int, int], ...]] = field(default_factory=dict, hash=False)
    """Field → ``(start, end)`` of matched words in `field_text` of that field."""


def field_values(digest: TrialDigest, name: str) -> tuple[str, ...]:
    """The values of one searched field (``ids`` leads with the trial id)."""
    if name == "ids":
        return (digest.trial_id, *(i for i in digest.ids if i != digest.trial_id))
    value = getattr(digest, name)
    if isinstance(value, str):
        return (value,) if value else ()
    return value


def field_text(digest: TrialDigest, name: str) -> str:
    """The text `Hit.spans[name]` points into: the value, or the values joined by `FIELD_SEPARATOR`."""
    return FIELD_SEPARATOR.join(field_values(digest, name))


def _status_key(text: str) -> str:
    return "_".join(text.upper().split())


def _phase_key(text: str) -> str:
    key = "".join(text.upper().replace("_", " ").split())
    if key.isdigit():
        return "PHASE" + key
    return {"N/A": "NA", "EARLYPHASE1": "EARLY_PHASE1"}.get(key, key)


def _contains(postings, doc: int) -> bool:
    at = bisect_left(postings, doc)
    return at < len(postings) and postings[at] == doc


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The build makes millions of small objects and none is cyclic: without this the cycle
    collector walks everything built so far again and again (40% of the build time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _ValueTerms(dict):
    """Name value → its term numbers, tokenised once: site, city and sponsor names repeat a lot."""

    def __init__(self, number: Callable[[str], int]):
        super().__init__()
        self.number = number

    def __missing__(self, value: str) -> tuple[int, ...]:
        numbers = self[value] = tuple(map(self.number, terms(value)))
        return numbers


class _Word:
    """One query word resolved against the vocabulary: every term it may stand for, and how."""

    __slots__ = ("query", "fields", "alternatives", "numbers", "splits", "split_numbers", "prefix",
                 "sources", "cost", "pattern", "position", "seen")

    def __init__(self, query: QueryTerm, fields: tuple[int, ...], position: int):
        self.query = query
        self.position = position
        self.fields = fields
        self.alternatives: dict[str, tuple[Kind, float]] = {}
        self.numbers: dict[int, tuple[Kind, float]] = {}
        """`alternatives` by term number, for checking a trial's term numbers."""
        self.splits: list[tuple[str, str]] = []
        self.split_numbers: list[tuple[int, int]] = []
        self.prefix = False
        self.sources: list[tuple[float, object, int, int]] = []
        """(score, documents, field number, term number or -1 for a split), best first."""
        self.cost = 0
        self.pattern: re.Pattern[str] = _NOTHING
        self.seen: set[int] = set()
        """Term numbers this word matched in the trials re-scored so far."""

    def offer(self, term: str, kind: Kind, closeness: float = 1.0) -> None:
        known = self.alternatives.get(term)
        if known is None or (kind, -closeness) < (known[0], -known[1]):
            self.alternatives[term] = (kind, closeness)

    def settle(self, terms: list[str]) -> None:
        """Compile the regex that finds this word's matches in folded text (for re-scoring).

        Only the terms the candidates' term numbers matched go in: a word typed in part stands
        for a hundred completions, and `re` tries every alternative at every letter.
        No look-arounds: a pattern that starts with letters lets `re` skip ahead fast; the
        caller checks word boundaries.
        """
        text = self.query.text
        pieces = [_GLUE.join(map(re.escape, text)) + r"[^\W_]*"] if self.prefix else []
        pieces += [_GLUE.join(map(re.escape, term)) for term in map(terms.__getitem__, self.seen)
                   if not (self.prefix and term.startswith(text))]
        pieces += [re.escape(first) + r"[\W_]+" + re.escape(second) for first, second in self.splits]
        if pieces:
            pieces.sort(key=len, reverse=True)
            self.pattern = re.compile("|".join(pieces))

    def score(self, token: str, weight: float) -> float:
        """What `token` (a folded word or glued run) is worth for this word in a field, 0 if nothing."""
        found = self.alternatives.get(token)
        if found is not None:
            return term_score(found[0], weight, found[1])
        text = self.query.text
        if self.prefix and len(token) > len(text) and token.startswith(text):
            return term_score(Kind.PREFIX, weight, len(text) / len(token))
        if any(token == first + second for first, second in self.splits):
            return 0.97 * term_score(Kind.EXACT, weight)
        return 0.0

    def field_scores(self, doc: int, forward: array, present: set[int] | None,
                     terms: list[str]) -> dict[int, float]:
        """Field number → the best this word earns there in one trial (what `score` would find in
        its text), without reading the text.

        A word with few postings lists is looked up in them (binary search); one standing for
        many terms in the trial's term numbers (`SearchIndex._forward`) and their set `present`.
        """
        scores: dict[int, float] = {}
        offsets = forward[:_FIELD_COUNT + 1]
        if present is None:
            for score, docs, field_number, number in self.sources:
                if _contains(docs, doc) if docs.__class__ is array else doc in docs:
                    scores[field_number] = max(scores.get(field_number, 0.0), score)
                    if number >= 0:
                        self.seen.add(number)
        else:
            matched = self.numbers.keys() & present
            for number in matched:
                kind, closeness = self.numbers[number]
                at = offsets[0]
                while True:  # each field holding it
                    try:
                        at = forward.index(number, at)
                    except ValueError:
                        break
                    field_number = bisect_right(offsets, at) - 1
                    if field_number in self.fields:
                        score = term_score(kind, FIELD_WEIGHTS[FIELDS[field_number]], closeness)
                        scores[field_number] = max(scores.get(field_number, 0.0), score)
                    at = offsets[field_number + 1]
            self.seen |= matched
            for first, second in self.split_numbers:
                if first in present and second in present:
                    for field_number in self.fields:
                        numbers = forward[offsets[field_number]:offsets[field_number + 1]]
                        if first in numbers and second in numbers:
                            score = 0.97 * term_score(Kind.EXACT, FIELD_WEIGHTS[FIELDS[field_number]])
                            scores[field_number] = max(scores.get(field_number, 0.0), score)
        if self.prefix and not scores:  # completions past the cap (the prefix pattern finds them)
            text = self.query.text
            for field_number in self.fields:
                numbers = forward[offsets[field_number]:offsets[field_number + 1]]
                for term in filter(methodcaller("startswith", text), map(terms.__getitem__, numbers)):
                    if len(term) > len(text):
                        score = term_score(Kind.PREFIX, FIELD_WEIGHTS[FIELDS[field_number]], len(text) / len(term))
                        scores[field_number] = max(scores.get(field_number, 0.0), score)
        return scores


class SearchIndex:
    """Fuzzy search over trial digests; see the module docstring for the layout."""

    def __init__(self) -> None:
        self._postings: list[dict[int, array | int]] = [{} for _ in FIELDS]
        self._forward: list[array] = []
        """Per document: `_FIELD_COUNT` + 1 offsets, then its term numbers field by field."""
        self._digests: list[TrialDigest | None] = []
        self._doc_of: dict[str, int] = {}
        self._alive = bytearray()
        self._status = array("B")
        self._status_codes: dict[str, int] = {}
        self._phases = array("B")
        self._min_age = array("f")
        self._max_age = array("f")
        self._by_country: defaultdict[str, array] = defaultdict(partial(array, "I"))
        self._vocab = Vocabulary({}, array("I"))
        self._masks: dict[SearchFilters, bytes] = {}

    @classmethod
    def build(cls, digests: Iterable[TrialDigest]) -> SearchIndex:
        """Index many digests at once: postings are appended by C calls, singletons compacted after."""
        index = cls()
        ids: defaultdict[str, int] = defaultdict(count().__next__)
        number = ids.__getitem__
        value_terms = _ValueTerms(number)
        postings: list[defaultdict[int, array]] = [defaultdict(partial(array, "I")) for _ in FIELDS]
        with _gc_paused():
            for digest in digests:
                doc, fields = index._index(digest, number, value_terms)
                append = methodcaller("append", doc)
                for field_postings, numbers in zip(postings, fields):
                    if numbers:
                        _exhaust(map(append, map(field_postings.__getitem__, numbers)))
            value_terms.clear()
            ids.default_factory = None
            frequency = array("I", bytes(4 * len(ids)))
            for field_postings in postings:
                field_postings.default_factory = None
                for term_number, docs in field_postings.items():
                    frequency[term_number] += len(docs)
                    if len(docs) == 1:
                        field_postings[term_number] = docs[0]
            index._postings = postings
            index._vocab = Vocabulary(ids, frequency)
        return index

    def __len__(self) -> int:
        return len(self._doc_of)

    def __contains__(self, trial_id: str) -> bool:
        return trial_id in self._doc_of

    def add(self, digest: TrialDigest) -> None:
        """Index one more trial (replacing any with the same id), e.g. after an import."""
        vocab = self._vocab
        doc, fields = self._index(digest, vocab.number, _ValueTerms(vocab.number))
        for field_postings, numbers in zip(self._postings, fields):
            for term_number in numbers:
                vocab.frequency[term_number] += 1
                docs = field_postings.get(term_number)
                if docs is None:
                    field_postings[term_number] = doc
                elif docs.__class__ is int:
                    field_postings[term_number] = array("I", (docs, doc))
                else:
                    docs.append(doc)

    def remove(self, trial_id: str) -> None:
        doc = self._doc_of.pop(trial_id, None)
        if doc is not None:
            self._alive[doc] = 0
            self._digests[doc] = None
            self._forward[doc] = array("I", bytes(4 * (_FIELD_COUNT + 1)))
            self._masks.clear()

    def _index(self, digest: TrialDigest, number: Callable[[str], int],
               value_terms: _ValueTerms) -> tuple[int, list[tuple[int, ...] | set[int]]]:
        """Record one digest's filters and term numbers; returns its document number and its term
        numbers per field, for the caller to post."""
        self.remove(digest.trial_id)
        doc = len(self._digests)
        self._digests.append(digest)
        self._doc_of[digest.trial_id] = doc
        self._alive.append(1)
        code = self._status_codes.setdefault(_status_key(digest.status), len(self._status_codes) + 1)
        self._status.append(code if code < 256 else 0)
        bits = 0
        for phase in digest.phases:
            bits |= _PHASE_BITS.get(_phase_key(phase), 0)
        self._phases.append(bits)
        self._min_age.append(math.nan if digest.min_age is None else digest.min_age)
        self._max_age.append(math.nan if digest.max_age is None else digest.max_age)
        for country in set(map(fold, digest.countries)):
            self._by_country[" ".join(country.split())].append(doc)
        forward = array("I", bytes(4 * (_FIELD_COUNT + 1)))
        fields: list[tuple[int, ...] | set[int]] = []
        for position, name in enumerate(FIELDS):
            forward[position] = len(forward)
            values = field_values(digest, name)
            if not values:
                numbers: tuple[int, ...] | set[int] = ()
            elif name not in _NAME_FIELDS:
                numbers = tuple(map(number, terms(values[0] if len(values) == 1 else "\n".join(values))))
            elif len(values) == 1:
                numbers = value_terms[values[0]]
            else:
                numbers = set(chain.from_iterable(map(value_terms.__getitem__, values)))
            forward.extend(numbers)
            fields.append(numbers)
        forward[_FIELD_COUNT] = len(forward)
        self._forward.append(forward)
        self._masks.clear()
        return doc, fields

    # -- querying ---------------------------------------------------------------------------

    def search(self, query: str, limit: int = 50, filters: SearchFilters | None = None) -> list[Hit]:
        """The `limit` best trials for `query`, best first; an empty query lists trials in order."""
        parsed = parse_query(query)
        mask = self._mask(filters or SearchFilters())
        if not parsed:
            return self._listing(mask, limit)
        words = self._resolve(parsed)
        if any(not w.sources for w in words):
            return []
        words.sort(key=lambda w: w.cost)
        window = max(limit + 30, 60)
        if len(words) == 1 and words[0].cost > _WALK_OVER:
            candidates = self._walk(words[0], mask, window)
        else:
            candidates = self._candidates(words, mask)
        best = nlargest(window if len(candidates) > _VERIFY_UNDER else len(candidates),
                        candidates.items(), key=lambda item: (item[1], -item[0]))
        return self._rescore([doc for doc, _ in best], words, limit)

    def _rescore(self, docs: list[int], words: list[_Word], limit: int) -> list[Hit]:
        """Score candidates by their term numbers, then re-read the best from their digests.

        Re-reading only adds bonuses, bounded by `_upper_bound`, so it stops once no remaining
        candidate can reach the `limit`-th score.
        """
        checked = []
        for doc in docs:
            found = self._match(doc, words)
            if found is not None:
                checked.append((self._upper_bound(found), -doc, found))
        checked.sort(key=lambda item: item[:2], reverse=True)
        terms = self._vocab.terms
        for word in words:
            word.settle(terms)
        kept: list[tuple[float, int]] = []  # a min-heap of the `limit` best (score, -doc) so far
        hits = []
        for bound, negative_doc, found in checked:
            if len(kept) >= limit and (to_percent(bound), negative_doc) < kept[0]:
                if to_percent(bound) < kept[0][0]:
                    break
                continue  # could only tie the last kept score, and ties go to the lower document
            hit = self._explain(-negative_doc, words, found)
            if hit is None:
                continue
            hits.append((hit.score, negative_doc, hit))
            if len(kept) < limit:
                heappush(kept, (hit.score, negative_doc))
            elif (hit.score, negative_doc) > kept[0]:
                heapreplace(kept, (hit.score, negative_doc))
        hits.sort(key=lambda item: item[:2], reverse=True)
        return [hit for _, _, hit in hits[:limit]]

    def _listing(self, mask: bytes, limit: int) -> list[Hit]:
        hits = []
        start = 0
        while len(hits) < limit:
            doc = mask.find(1, start)
            if doc < 0:
                break
            hits.append(Hit(self._digests[doc].trial_id, 0.0))
            start = doc + 1
        return hits

    def _resolve(self, parsed: Query) -> list[_Word]:
        """Find the vocabulary terms each query word may stand for and their postings."""
        vocab = self._vocab
        all_fields = tuple(range(_FIELD_COUNT))
        words = []
        for position, query in enumerate(parsed.terms):
            fields = all_fields if query.fields is None else tuple(
                i for i, name in enumerate(FIELDS) if name in query.fields)
            words.append(_Word(query, fields, position))
        for i, word in enumerate(words):
            text = word.query.text
            settled = text in vocab and not word.query.typing
            if text in vocab:
                word.offer(text, Kind.EXACT)
            word.prefix = word.query.typing or (len(text) >= 3 and not settled)
            if word.prefix:
                for term in vocab.completions(text):
                    word.offer(term, Kind.PREFIX, len(text) / len(term))
            if not settled:  # a finished word found as typed is taken at its word
                for term, distance in vocab.near(text).items():
                    word.offer(term, Kind.TYPO, 2.0 - distance)
            if i + 1 < len(words) and words[i + 1].query.fields == word.query.fields:
                following = words[i + 1]
                glued = text + following.query.text
                if glued in vocab:
                    word.offer(glued, Kind.EXACT)
                    following.offer(glued, Kind.EXACT)
                if following.query.typing:
                    for term in vocab.completions(glued, cap=16):
                        word.offer(term, Kind.PREFIX, len(glued) / len(term))
                        following.offer(term, Kind.PREFIX, len(glued) / len(term))
            if text not in vocab and len(text) >= 4:
                word.splits = [(text[:k], text[k:]) for k in range(2, len(text) - 1)
                               if text[:k] in vocab and text[k:] in vocab][:3]
            if not word.alternatives and not word.splits:
                for term in vocab.near_completions(text):
                    word.offer(term, Kind.TYPO_PREFIX)
        ids = vocab.ids
        for word in words:
            word.numbers = {ids[term]: how for term, how in word.alternatives.items()}
            word.split_numbers = [(ids[first], ids[second]) for first, second in word.splits]
            self._sources(word)
        return words

    def _postings_of(self, number: int, term_number: int):
        """The documents of one term in one field: an array, a 1-tuple, or None."""
        docs = self._postings[number].get(term_number)
        return (docs,) if docs.__class__ is int else docs

    def _sources(self, word: _Word) -> None:
        """Postings lists of a word with the score each earns, best first."""
        sources = word.sources
        for term_number, (kind, closeness) in word.numbers.items():
            for number in word.fields:
                docs = self._postings_of(number, term_number)
                if docs:
                    sources.append((term_score(kind, FIELD_WEIGHTS[FIELDS[number]], closeness), docs,
                                    number, term_number))
        for first, second in word.split_numbers:
            for number in word.fields:
                a, b = self._postings_of(number, first), self._postings_of(number, second)
                if a and b:
                    both = set(a).intersection(b)
                    if both:
                        sources.append((0.97 * term_score(Kind.EXACT, FIELD_WEIGHTS[FIELDS[number]]), both,
                                        number, -1))
        sources.sort(key=lambda source: source[0], reverse=True)
        word.cost = sum(len(docs) for _, docs, _, _ in sources)
    def _walk(self, word: _Word, mask: bytes, want: int) -> dict[int, float]:
        """Best-scored postings first until `want` trials pass the filters (one huge word)."""
        found: dict[int, float] = {}
        for score, docs, _, _ in word.sources:
            for doc in docs:
                if mask[doc] and doc not in found:
                    found[doc] = score
                    if len(found) >= want:
                        return found
        return found

    def _candidates(self, words: list[_Word], mask: bytes) -> dict[int, float]:
        """Trials matching every word (by postings) → summed word scores."""
        first = words[0]
        scores: dict[int, float] = {}
        fields = Counter()
        for score, docs, _, _ in reversed(first.sources):
            scores.update(dict.fromkeys(docs, score))
            fields.update(docs)
        scores = {doc: score + MULTI_FIELD_BONUS * min(3, fields[doc] - 1)
                  for doc, score in scores.items() if mask[doc]}
        for word in words[1:]:
            if len(scores) < _VERIFY_UNDER:
                return scores  # the digests settle it
            got: dict[int, float] = {}
            for score, docs, _, _ in word.sources:
                if isinstance(docs, array) and len(docs) > 16 * len(scores):
                    for doc in scores:
                        if doc not in got and _contains(docs, doc):
                            got[doc] = score
                else:
                    for doc in scores.keys() & docs:
                        if doc not in got:
                            got[doc] = score
            scores = {doc: scores[doc] + score for doc, score in got.items()}
        return scores

    def _mask(self, filters: SearchFilters) -> bytes:
        """One byte per document: 1 if alive and passing `filters` (cached per filter set)."""
        cached = self._masks.get(filters)
        if cached is not None:
            return cached
        size = len(self._alive)
        mask = int.from_bytes(self._alive, "little")
        if filters.statuses:
            wanted = {self._status_codes.get(_status_key(s)) for s in filters.statuses}
            table = bytes(1 if code in wanted else 0 for code in range(256))
            mask &= int.from_bytes(self._status.tobytes().translate(table), "little")
        if filters.phases:
            bits = 0
            for phase in filters.phases:
                bits |= _PHASE_BITS.get(_phase_key(phase), 0)
            table = bytes(1 if code & bits else 0 for code in range(256))
            mask &= int.from_bytes(self._phases.tobytes().translate(table), "little")
        if filters.country:
            allowed = bytearray(size)
            for doc in self._by_country.get(" ".join(fold(filters.country).split()), ()):
                allowed[doc] = 1
            mask &= int.from_bytes(allowed, "little")
        if filters.patient_age is not None:
            age = filters.patient_age
            allowed = bytes(
                1 if not (low > age or high < age) else 0  # NaN (no limit) compares False
                for low, high in zip(self._min_age, self._max_age)
            )
            mask &= int.from_bytes(allowed, "little")
        result = mask.to_bytes(size, "little")
        if len(self._masks) > 8:
            self._masks.clear()
        self._masks[filters] = result
        return result

    def _match(self, doc: int, words: list[_Word]) -> list[dict[int, float]] | None:
        """Per word, field number → best score, from the trial's term numbers alone (no text
        read); None if some word matches nowhere."""
        forward = self._forward[doc]
        present = None
        terms = self._vocab.terms
        found = []
        for word in words:
            if len(word.sources) > _FEW_SOURCES and present is None:
                present = set(forward[forward[0]:])
            scores = word.field_scores(doc, forward, present if len(word.sources) > _FEW_SOURCES else None,
                                       terms)
            if not scores:
                return None
            found.append(scores)
        return found

    @staticmethod
    def _upper_bound(found: list[dict[int, float]]) -> float:
        """The most `_explain` can score a trial whose words matched as `found` says: words can
        only be together in a field they all matched in."""
        count = len(found)
        raw = sum(max(scores.values()) + MULTI_FIELD_BONUS * min(3, len(scores) - 1)
                  for scores in found) / count + COVER_BONUS
        if count == 1:
            return raw + TOGETHER_BONUS
        together = max(Counter(chain.from_iterable(found)).values())
        return raw + TOGETHER_BONUS * (together - 1) / (count - 1)

    def _explain(self, doc: int, words: list[_Word], found: list[dict[int, float]]) -> Hit | None:
        """Add the bonuses only the text shows to a candidate's score, and find what to highlight.

        `found` (from `_match`) already gives each word's best score and fields; of those fields
        only the ones that can earn a bonus are read (two words or more, or a word at its best)
        and the title: for words together in one value, values the query covers, phrases as runs.
        In a long list (a trial's hundreds of sites) the words after the rarest are looked for
        only in the values where the rarest matched: "center" would match nearly everywhere.
        Returns None if a phrase is not found as a run.
        """
        digest = self._digests[doc]
        count = len(words)
        best = [max(scores.values()) for scores in found]
        cover = [0.0] * count
        together = 1 if count == 1 else 0
        phrases: dict[int, list[_Word]] = {}
        for word in sorted(words, key=lambda w: w.position):
            if word.query.phrase is not None:
                phrases.setdefault(word.query.phrase, []).append(word)
        matched_fields = sorted(set().union(*found))
        words_in = Counter(chain.from_iterable(found))
        spans: dict[str, list[tuple[int, int]]] = {}
        for number in matched_fields:
            if not (words_in[number] > 1 or number == _TITLE or phrases
                    or any(scores.get(number) == top for scores, top in zip(found, best))):
                continue  # no bonus can come from here: one word, not at its best
            name = FIELDS[number]
            values = field_values(digest, name)
            folded, origin = fold_with_origin(FIELD_SEPARATOR.join(values))
            weight = FIELD_WEIGHTS[name]
            gap = len(FIELD_SEPARATOR)
            starts = list(map(add, accumulate(map(len, values), initial=0), range(0, gap * len(values) + 1, gap)))
            per_value: dict[int, list] = {}  # value number → [word scores, matched tokens, spans]
            regions: list[tuple[int, int]] | None = None
            for i, word in enumerate(words):  # rarest first
                if number not in found[i]:
                    continue
                whole = regions is None or word.query.phrase is not None
                memo: dict[str, tuple[float, int]] = {}
                for low, high in [(0, len(folded))] if whole else regions:
                    for match in word.pattern.finditer(folded, low, high):
                        start, end = match.span()
                        if (start and folded[start - 1].isalnum()) or folded[end:end + 1].isalnum():
                            continue
                        group = match.group()
                        known = memo.get(group)
                        if known is None:
                            tokens = TOKEN.findall(group)
                            known = memo[group] = (word.score("".join(tokens), weight), len(tokens))
                        score, tokens = known
                        if not score:
                            continue
                        if origin is not None:
                            start, end = origin[start], origin[end - 1] + 1
                        at = bisect_right(starts, start) - 1
                        entry = per_value.setdefault(at, [[0.0] * count, 0, []])
                        entry[0][i] = max(entry[0][i], score)
                        entry[1] += tokens
                        entry[2].append((start, end))
                if regions is None and len(values) > _LONG_LIST and origin is None:
                    regions = [(starts[at], starts[at + 1] - gap) for at in sorted(per_value)]
            for at, (value_best, matched_tokens, value_spans) in per_value.items():
                spans.setdefault(name, []).extend(value_spans)
                share = min(1.0, matched_tokens / max(1, len(words_of(values[at]))))
                present = 0
                for i in range(count):
                    if value_best[i] > 0:
                        present += 1
                        if value_best[i] >= best[i] and share > cover[i]:
                            cover[i] = share
                together = max(together, present)
                if phrases:
                    plain = [t for t in token_spans(values[at]) if not t[3] and t[0] not in STOPWORDS]
                    for phrase, members in list(phrases.items()):
                        if _has_run(plain, members, weight):
                            del phrases[phrase]
        if phrases:
            return None
        raw = (sum(best) / count
               + sum(MULTI_FIELD_BONUS * min(3, len(scores) - 1) for scores in found) / count
               + TOGETHER_BONUS * ((together - 1) / (count - 1) if count > 1 else 1.0)
               + COVER_BONUS * sum(cover) / count)
        return Hit(digest.trial_id, to_percent(raw), tuple(FIELDS[number] for number in matched_fields),
                   {name: tuple(sorted(set(s))) for name, s in spans.items()})


def _has_run(plain: list[tuple[str, int, int, bool]], words: list[_Word], weight: float) -> bool:
    """Whether `words` match consecutive tokens of one value (a quoted phrase)."""
    size = len(words)
    for start in range(len(plain) - size + 1):
        if all(words[k].score(plain[start + k][0], weight) for k in range(size)):
            return True
    return False
