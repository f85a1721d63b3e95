"""The in-memory search index over trial digests: a few milliseconds per query at registry scale.

Layout (all per field, so a drug match can outrank a mention in an arm description):
term → postings, an ``array('I')`` of document numbers in increasing order. A query word is first
resolved against the vocabulary (exact, completions, typos — see `vocab`), the cheapest word's
postings give the candidates, the other words narrow them (set intersection, or a binary search
in a long postings list), and only the best few hundred candidates are re-read from their digest
to score phrases and togetherness and to find what to highlight. Per trial the index keeps one
document number per distinct term and field plus a few bytes for the filters.
"""

from __future__ import annotations

import math
import re
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from heapq import nlargest
from itertools import accumulate

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
_NOTHING = re.compile(r"(?!)")
_GLUE = "[-/.'_+]?"
"""Between the letters of a term in a word's regex, so "yatsen" also finds "Yat-sen"."""
_PHASE_BITS = {"EARLY_PHASE1": 1, "PHASE1": 2, "PHASE2": 4, "PHASE3": 8, "PHASE4": 16, "NA": 32}


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


class _Word:
    """One query word resolved against the vocabulary: every term it may stand for, and how."""

    __slots__ = ("query", "fields", "alternatives", "splits", "prefix", "sources", "cost", "pattern",
                 "position")

    def __init__(self, query: QueryTerm, fields: tuple[int, ...], position: int):
        self.query = query
        self.position = position
        self.fields = fields
        self.alternatives: dict[str, tuple[Kind, float]] = {}
        self.splits: list[tuple[str, str]] = []
        self.prefix = False
        self.sources: list[tuple[float, object]] = []
        self.cost = 0
        self.pattern: re.Pattern[str] = _NOTHING

    def offer(self, term: str, kind: Kind, closeness: float = 1.0) -> None:
        known = self.alternatives.get(term)
        if known is None or (kind, -closeness) < (known[0], -known[1]):
            self.alternatives[term] = (kind, closeness)

    def settle(self) -> None:
        """Compile the regex that finds this word's matches in folded text (for re-scoring).

        No look-arounds: a pattern that starts with letters lets `re` skip ahead fast; the
        caller checks word boundaries.
        """
        text = self.query.text
        pieces = [_GLUE.join(map(re.escape, text)) + r"[^\W_]*"] if self.prefix else []
        pieces += [_GLUE.join(map(re.escape, term)) for term in self.alternatives
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


class SearchIndex:
    """Fuzzy search over trial digests; see the module docstring for the layout."""

    def __init__(self) -> None:
        self._postings: list[defaultdict[str, array]] = [
            defaultdict(partial(array, "I")) for _ in FIELDS
        ]
        self._digests: list[TrialDigest | None] = []
        self._doc_of: dict[str, int] = {}
        self._alive = bytearray()
        self._status = array("B")
        self._status_codes: dict[str, int] = {}
        self._phases = array("B")
        self._min_age = array("f")
        self._max_age = array("f")
        self._by_country: defaultdict[str, array] = defaultdict(partial(array, "I"))
        self._vocab = Vocabulary({})
        self._masks: dict[SearchFilters, bytes] = {}

    @classmethod
    def build(cls, digests: Iterable[TrialDigest]) -> SearchIndex:
        index = cls()
        cache: dict[str, set[str]] = {}
        for digest in digests:
            index._index(digest, cache)
        frequency: dict[str, int] = {}
        get = frequency.get
        for postings in index._postings:
            for term, docs in postings.items():
                frequency[term] = get(term, 0) + len(docs)
        index._vocab = Vocabulary(frequency)
        return index

    def __len__(self) -> int:
        return len(self._doc_of)

    def __contains__(self, trial_id: str) -> bool:
        return trial_id in self._doc_of

    def add(self, digest: TrialDigest) -> None:
        """Index one more trial (replacing any with the same id), e.g. after an import."""
        added = self._index(digest, None)
        for term in added:
            self._vocab.add(term)

    def remove(self, trial_id: str) -> None:
        doc = self._doc_of.pop(trial_id, None)
        if doc is not None:
            self._alive[doc] = 0
            self._digests[doc] = None
            self._masks.clear()

    def _index(self, digest: TrialDigest, cache: dict[str, set[str]] | None) -> list[str]:
        """Append one digest's postings; returns its terms (with repeats) for the vocabulary."""
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
        added: list[str] = []
        for number, name in enumerate(FIELDS):
            values = field_values(digest, name)
            if not values:
                continue
            if cache is not None and name in _NAME_FIELDS:
                found: set[str] = set()
                for value in values:
                    cached = cache.get(value)
                    if cached is None:
                        cached = cache[value] = terms(value)
                    found |= cached
            else:
                found = terms(values[0] if len(values) == 1 else "\n".join(values))
            postings = self._postings[number]
            for term in found:
                postings[term].append(doc)
            if cache is None:
                added.extend(found)
        self._masks.clear()
        return added

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
        hits = []
        for doc, _ in best:
            hit = self._explain(doc, words, parsed)
            if hit is not None:
                hits.append((hit.score, -doc, hit))
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
        all_fields = tuple(range(len(FIELDS)))
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
        for word in words:
            word.settle()
            self._sources(word)
        return words

    def _sources(self, word: _Word) -> None:
        """Postings lists of a word with the score each earns, best first."""
        sources = word.sources
        for term, (kind, closeness) in word.alternatives.items():
            for number in word.fields:
                docs = self._postings[number].get(term)
                if docs:
                    sources.append((term_score(kind, FIELD_WEIGHTS[FIELDS[number]], closeness), docs))
        for first, second in word.splits:
            for number in word.fields:
                postings = self._postings[number]
                a, b = postings.get(first), postings.get(second)
                if a and b:
                    both = set(a).intersection(b)
                    if both:
                        sources.append((0.97 * term_score(Kind.EXACT, FIELD_WEIGHTS[FIELDS[number]]), both))
        sources.sort(key=lambda source: source[0], reverse=True)
        word.cost = sum(len(docs) for _, docs in sources)

    def _walk(self, word: _Word, mask: bytes, want: int) -> dict[int, float]:
        """Best-scored postings first until `want` trials pass the filters (one huge word)."""
        found: dict[int, float] = {}
        for score, docs in word.sources:
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
        for score, docs in reversed(first.sources):
            scores.update(dict.fromkeys(docs, score))
            fields.update(docs)
        scores = {doc: score + MULTI_FIELD_BONUS * min(3, fields[doc] - 1)
                  for doc, score in scores.items() if mask[doc]}
        for word in words[1:]:
            if len(scores) < _VERIFY_UNDER:
                return scores  # the digests settle it
            got: dict[int, float] = {}
            for score, docs in word.sources:
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

    def _explain(self, doc: int, words: list[_Word], parsed: Query) -> Hit | None:
        """Score one candidate from its digest: every word must match, phrases must be runs.

        Returns the hit with matched fields and highlight spans, or None if it does not match.
        Each word's regex runs once over each field's folded text.
        """
        digest = self._digests[doc]
        count = len(words)
        best = [0.0] * count
        cover = [0.0] * count
        fields_of: list[set[str]] = [set() for _ in words]
        together = 1 if count == 1 else 0
        phrases: dict[int, list[_Word]] = {}
        for word in sorted(words, key=lambda w: w.position):
            if word.query.phrase is not None:
                phrases.setdefault(word.query.phrase, []).append(word)
        spans: dict[str, list[tuple[int, int]]] = {}
        for number, name in enumerate(FIELDS):
            values = field_values(digest, name)
            if not values:
                continue
            text = FIELD_SEPARATOR.join(values)
            folded, origin = fold_with_origin(text)
            weight = FIELD_WEIGHTS[name]
            per_value: dict[int, list] = {}  # value number → [word scores, matched tokens, spans]
            starts = None
            for i, word in enumerate(words):
                if number not in word.fields:
                    continue
                for match in word.pattern.finditer(folded):
                    start, end = match.span()
                    if (start and folded[start - 1].isalnum()) or folded[end:end + 1].isalnum():
                        continue
                    score = word.score("".join(TOKEN.findall(match.group())), weight)
                    if not score:
                        continue
                    if origin is not None:
                        start, end = origin[start], origin[end - 1] + 1
                    if starts is None:
                        starts = list(accumulate((len(v) + len(FIELD_SEPARATOR) for v in values),
                                                 initial=0))
                    at = bisect_right(starts, start) - 1
                    entry = per_value.setdefault(at, [[0.0] * count, 0, []])
                    entry[0][i] = max(entry[0][i], score)
                    entry[1] += len(TOKEN.findall(match.group()))
                    entry[2].append((start, end))
            for at, (value_best, matched_tokens, value_spans) in per_value.items():
                spans.setdefault(name, []).extend(value_spans)
                share = min(1.0, matched_tokens / max(1, len(words_of(values[at]))))
                present = 0
                for i in range(count):
                    if value_best[i] > 0:
                        present += 1
                        fields_of[i].add(name)
                        if value_best[i] > best[i] or (value_best[i] == best[i] and share > cover[i]):
                            best[i] = value_best[i]
                            cover[i] = share
                together = max(together, present)
                if phrases:
                    plain = [t for t in token_spans(values[at]) if not t[3] and t[0] not in STOPWORDS]
                    for phrase, members in list(phrases.items()):
                        if _has_run(plain, members, weight):
                            del phrases[phrase]
        if not all(best) or phrases:
            return None
        raw = (sum(best) / count
               + sum(MULTI_FIELD_BONUS * min(3, len(f) - 1) for f in fields_of) / count
               + TOGETHER_BONUS * ((together - 1) / (count - 1) if count > 1 else 1.0)
               + COVER_BONUS * sum(cover) / count)
        matched = tuple(name for name in FIELDS if name in spans)
        return Hit(digest.trial_id, to_percent(raw), matched,
                   {name: tuple(sorted(set(s))) for name, s in spans.items()})


def _has_run(plain: list[tuple[str, int, int, bool]], words: list[_Word], weight: float) -> bool:
    """Whether `words` match consecutive tokens of one value (a quoted phrase)."""
    size = len(words)
    for start in range(len(plain) - size + 1):
        if all(words[k].score(plain[start + k][0], weight) for k in range(size)):
            return True
    return False
