"""The in-memory search index over trial digests: milliseconds per query at registry scale.

Layout (all per field, so a drug match can outrank a mention in an arm description): every term
has a number (`Vocabulary`); per field, `FieldPostings` holds term number → the trials holding it
(ascending) and trial → its term numbers, as numpy arrays built in bulk (`bulk`).
A query word is first resolved against the vocabulary (exact, completions, typos — see `vocab`),
the cheapest word's postings give the candidates and a score each, the other words narrow them
(array lookups). The best few dozen candidates are then checked without reading text, which says
which fields each word matched in and how well: in the word's postings lists when it has few,
else in the trial's term numbers. Only fields that can earn a bonus are then re-read from the
digest, best candidates first and until no other can reach the last place, to score phrases and
togetherness and to find what to highlight. `saved` writes a built index to disk and loads it.
"""

from __future__ import annotations

import gc
import math
import re
from array import array
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from heapq import heappush, heapreplace
from itertools import accumulate, chain, count
from operator import add, attrgetter, methodcaller

import numpy as np

from trialtui.digest import TrialDigest
from trialtui.search.bulk import Tokenizer, field_pairs
from trialtui.search.postings import FieldPostings
from trialtui.search.normalize import TOKEN, STOPWORDS, fold, fold_with_origin, terms, token_spans, words as words_of
from trialtui.search.query import Query, QueryTerm, parse_query
from trialtui.search.ranking import (
    COVER_BONUS, FIELD_WEIGHTS, FIELDS, MULTI_FIELD_BONUS, TOGETHER_BONUS, Kind, term_score, to_percent,
)
from trialtui.search.vocab import Vocabulary

FIELD_SEPARATOR = "; "
"""Joins the values of a many-valued field into the text that `Hit.spans` offsets point into."""

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
_TEXTS_KEPT = 4096
"""Fields of trials whose folded text `SearchIndex._text` keeps."""
_TITLE = FIELDS.index("title")
"""Always re-read when matched: the list highlights it."""


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


def _values(digests: list[TrialDigest], name: str) -> list[tuple[str, ...]]:
    """Every trial's values of one field, for `bulk.field_pairs` (repeats and empty values
    are harmless there: they add no term)."""
    if name == "ids":
        return [(digest.trial_id, *digest.ids) for digest in digests]
    values = list(map(attrgetter(name), digests))
    return [(value,) for value in values] if values and isinstance(values[0], str) else values


def _status_key(text: str) -> str:
    return "_".join(text.upper().split())


def _phase_key(text: str) -> str:
    key = "".join(text.upper().replace("_", " ").split())
    if key.isdigit():
        return "PHASE" + key
    return {"N/A": "NA", "EARLYPHASE1": "EARLY_PHASE1"}.get(key, key)


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

    def hits(self, window: np.ndarray) -> list[dict[int, float]]:
        """Per trial of `window` (ascending numbers): field number → the best this word earns
        there, from its postings lists (one binary search of the whole window per list)."""
        found: list[dict[int, float]] = [{} for _ in range(len(window))]
        for score, docs, field_number, number in self.sources:  # best first
            at = np.minimum(np.searchsorted(docs, window), len(docs) - 1)
            hit = np.flatnonzero(docs[at] == window)
            if len(hit):
                if number >= 0:
                    self.seen.add(number)
                for j in hit.tolist():
                    found[j].setdefault(field_number, score)
        return found

    def forward_scores(self, forward: list[list[int]]) -> dict[int, float]:
        """Field number → the best this word earns there in one trial, from the trial's term
        numbers per field: cheaper than many postings lists for a word standing for many terms."""
        scores: dict[int, float] = {}
        for field_number in self.fields:
            numbers = forward[field_number]
            if not numbers:
                continue
            present = set(numbers)
            weight = FIELD_WEIGHTS[FIELDS[field_number]]
            matched = self.numbers.keys() & present
            if matched:
                self.seen |= matched
                scores[field_number] = max(term_score(kind, weight, closeness)
                                           for kind, closeness in map(self.numbers.__getitem__, matched))
            for first, second in self.split_numbers:
                if first in present and second in present:
                    score = 0.97 * term_score(Kind.EXACT, weight)
                    scores[field_number] = max(scores.get(field_number, 0.0), score)
        return scores

    def prefix_scores(self, forward: list[list[int]], terms: list[str]) -> dict[int, float]:
        """Completions past the cap (`Vocabulary.completions` keeps the most frequent): the
        prefix pattern finds them in the text, so they count here too."""
        text = self.query.text
        scores: dict[int, float] = {}
        for field_number in self.fields:
            for term in filter(methodcaller("startswith", text), map(terms.__getitem__, forward[field_number])):
                if len(term) > len(text):
                    score = term_score(Kind.PREFIX, FIELD_WEIGHTS[FIELDS[field_number]], len(text) / len(term))
                    scores[field_number] = max(scores.get(field_number, 0.0), score)
        return scores


class SearchIndex:
    """Fuzzy search over trial digests; see the module docstring for the layout."""

    def __init__(self) -> None:
        self._fields = [FieldPostings() for _ in FIELDS]
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
        self._texts: dict[tuple[int, int], tuple] = {}

    @classmethod
    def build(cls, digests: Iterable[TrialDigest]) -> SearchIndex:
        """Index many digests at once: each field's values tokenised and posted in bulk (`bulk`)."""
        index = cls()
        digests = list(digests)
        with _gc_paused():
            for digest in digests:
                index._admit(digest)
            ids: defaultdict[str, int] = defaultdict(count().__next__)
            tokenizer = Tokenizer(ids.__getitem__)
            size = len(index._digests)
            index._fields = [FieldPostings.build(*field_pairs(_values(digests, name), tokenizer), size)
                             for name in FIELDS]
            ids.default_factory = None
            frequency = sum(postings.frequency(len(ids)) for postings in index._fields)
            index._vocab = Vocabulary(ids, array("I", np.asarray(frequency, np.uint32).tobytes()))
            index._vocab.prepare_typos()
        return index

    def __len__(self) -> int:
        return len(self._doc_of)

    def __contains__(self, trial_id: str) -> bool:
        return trial_id in self._doc_of

    def add(self, digest: TrialDigest) -> None:
        """Index one more trial (replacing any with the same id), e.g. after an import."""
        vocab = self._vocab
        doc = self._admit(digest)
        for postings, name in zip(self._fields, FIELDS):
            numbers = {vocab.number(term) for value in field_values(digest, name) for term in terms(value)}
            for term_number in numbers:
                vocab.frequency[term_number] += 1
            postings.add(doc, sorted(numbers))

    def remove(self, trial_id: str) -> None:
        doc = self._doc_of.pop(trial_id, None)
        if doc is not None:
            self._alive[doc] = 0
            self._digests[doc] = None
            for postings in self._fields:
                postings.forget(doc)
            self._texts.clear()
            self._masks.clear()

    def _admit(self, digest: TrialDigest) -> int:
        """Give a digest its document number and record its filter values (replacing any trial
        with the same id); the caller posts its terms."""
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
        self._masks.clear()
        return doc

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
        alive = np.frombuffer(mask, np.bool_)
        if len(words) == 1 and words[0].cost > _WALK_OVER:
            docs = self._walk(words[0], alive, window)
        else:
            docs = _best(*self._candidates(words, alive), window)
        return self._rescore(docs, words, limit)

    def _rescore(self, docs: list[int], words: list[_Word], limit: int) -> list[Hit]:
        """Score candidates by their term numbers, then re-read the best from their digests.

        Re-reading only adds bonuses, bounded by `_upper_bound`, so it stops once no remaining
        candidate can reach the `limit`-th score.
        """
        checked = []
        for doc, found in zip(docs.tolist(), self._match(docs, words)):
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

    def _sources(self, word: _Word) -> None:
        """Postings lists of a word with the score each earns, best first."""
        sources = word.sources
        numbers = np.fromiter(word.numbers, np.int64, len(word.numbers))
        for number in word.fields:
            field = self._fields[number]
            weight = FIELD_WEIGHTS[FIELDS[number]]
            for term_number in numbers[field.present(numbers)].tolist():
                kind, closeness = word.numbers[term_number]
                sources.append((term_score(kind, weight, closeness), field.docs(term_number), number, term_number))
            for first, second in word.split_numbers:
                a, b = field.docs(first), field.docs(second)
                if a is not None and b is not None:
                    both = np.intersect1d(a, b, assume_unique=True)
                    if len(both):
                        sources.append((0.97 * term_score(Kind.EXACT, weight), both, number, -1))
        sources.sort(key=lambda source: source[0], reverse=True)
        word.cost = sum(len(docs) for _, docs, _, _ in sources)

    def _walk(self, word: _Word, alive: np.ndarray, want: int) -> np.ndarray:
        """Best-scored postings first until `want` trials pass the filters (one huge word)."""
        found: dict[int, None] = {}
        for _, docs, _, _ in word.sources:
            for start in range(0, len(docs), 4 * want):
                part = docs[start:start + 4 * want]
                found.update(dict.fromkeys(part[alive[part]].tolist()))
                if len(found) >= want:
                    return np.array(sorted(list(found)[:want]), np.int64)
        return np.array(sorted(found), np.int64)

    def _candidates(self, words: list[_Word], alive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Trials matching every word (by postings), ascending, and their summed word scores."""
        best = np.zeros(len(alive))
        fields = np.zeros(len(alive), np.int8)
        for score, docs, _, _ in reversed(words[0].sources):  # the best score written last
            best[docs] = score
            fields[docs] += 1
        docs = np.flatnonzero((best > 0) & alive)
        scores = best[docs] + MULTI_FIELD_BONUS * np.minimum(3, fields[docs] - 1)
        for word in words[1:]:
            if len(docs) < _VERIFY_UNDER:
                break  # the trials' own terms settle it
            got = np.zeros(len(docs))
            for score, source, _, _ in reversed(word.sources):
                got[_common(docs, source)] = score
            keep = got > 0
            docs, scores = docs[keep], scores[keep] + got[keep]
        return docs, scores

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

    def _match(self, docs: np.ndarray, words: list[_Word]) -> list[list[dict[int, float]] | None]:
        """Per trial of `docs`, per word, field number → best score, from postings and the trials'
        term numbers alone (no text read); None for a trial where some word matches nowhere."""
        terms = self._vocab.terms
        few = [word.hits(docs) if len(word.sources) <= _FEW_SOURCES else None for word in words]
        result = []
        for j, doc in enumerate(docs.tolist()):
            forward = None
            found = []
            for word, hits in zip(words, few):
                if hits is not None:
                    scores = hits[j]
                else:
                    forward = forward or self._forward(doc)
                    scores = word.forward_scores(forward)
                if not scores and word.prefix:
                    forward = forward or self._forward(doc)
                    scores = word.prefix_scores(forward, terms)
                if not scores:
                    found = None
                    break
                found.append(scores)
            result.append(found)
        return result

    def _forward(self, doc: int) -> list[list[int]]:
        """One trial's term numbers, field by field."""
        return [field.terms_of(doc).tolist() for field in self._fields]

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

    def _text(self, doc: int, number: int) -> tuple:
        """One trial's values of one field, their folded text (`fold_with_origin`), where each
        value starts in it, and a memo of their word counts: kept for the last few thousand
        fields read, since every keystroke of a query re-reads the same best trials."""
        key = (doc, number)
        found = self._texts.get(key)
        if found is None:
            if len(self._texts) >= _TEXTS_KEPT:
                del self._texts[next(iter(self._texts))]
            values = field_values(self._digests[doc], FIELDS[number])
            gap = len(FIELD_SEPARATOR)
            starts = list(map(add, accumulate(map(len, values), initial=0), range(0, gap * len(values) + 1, gap)))
            found = self._texts[key] = (values, *fold_with_origin(FIELD_SEPARATOR.join(values)), starts, {})
        return found

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
            values, folded, origin, starts, value_words = self._text(doc, number)
            weight = FIELD_WEIGHTS[name]
            gap = len(FIELD_SEPARATOR)
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
                if at not in value_words:
                    value_words[at] = len(words_of(values[at]))
                share = min(1.0, matched_tokens / max(1, value_words[at]))
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


def _best(docs: np.ndarray, scores: np.ndarray, want: int) -> np.ndarray:
    """The `want` best-scored of `docs` (ties to the lower number), ascending; all if few."""
    if len(docs) <= max(want, _VERIFY_UNDER - 1):
        return docs
    cut = len(scores) - want
    kth = np.partition(scores, cut)[cut]
    above = np.flatnonzero(scores > kth)
    ties = np.flatnonzero(scores == kth)[:want - len(above)]
    return docs[np.sort(np.concatenate((above, ties)))]


def _common(docs: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Where in `docs` (ascending) the trials of `other` (ascending) are."""
    if len(other) < len(docs):
        at = np.searchsorted(docs, other)
        inside = at < len(docs)
        at = at[inside]
        return at[docs[at] == other[inside]]
    at = np.minimum(np.searchsorted(other, docs), len(other) - 1)
    return np.flatnonzero(other[at] == docs)


def _has_run(plain: list[tuple[str, int, int, bool]], words: list[_Word], weight: float) -> bool:
    """Whether `words` match consecutive tokens of one value (a quoted phrase)."""
    size = len(words)
    for start in range(len(plain) - size + 1):
        if all(words[k].score(plain[start + k][0], weight) for k in range(size)):
            return True
    return False
