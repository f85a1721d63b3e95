"""The in-memory search index over trial digests: milliseconds per query at registry scale.

Layout (all per field, so a drug match can outrank a mention in an arm description): every term
has a number (`Vocabulary`); per field, `FieldPostings` holds term number → the trials holding it
(ascending) and trial → its values → their term numbers, as numpy arrays built in bulk (`bulk`).
A query word is first resolved against the vocabulary (exact, completions, typos — see `vocab`)
and its postings lists found (every new word's terms in one lookup per field; a recent word's are
kept, since typing repeats them). The cheapest word's postings give the candidates and a score
each; the other words narrow them, one pass over each word's postings, noting in which fields
each candidate was found. The best few dozen candidates are then scored exactly from their values'
term numbers, without reading text, in the fields where some word may match them (`scoring`).
Text is read only for the hits: quoted phrases and what to highlight. A query with few hits is
tried once more, more tolerant of typos (`SearchIndex.search`). `SearchIndex.arrays` gives the
index as arrays for the library to keep, `from_arrays` makes it again, and `compacted` merges the
trials added since into them.
"""

from __future__ import annotations

import json
import math
import threading
from array import array
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial, wraps
from itertools import accumulate, chain, pairwise
from operator import add, attrgetter
from typing import Literal

import numpy as np

from trialtui.countries import country_key, same_country
from trialtui.digest import TrialDigest
from trialtui.search.bulk import number_all, sorted_unique
from trialtui.search.facts import admitted, date_number, fact_bits, intervention_bits
from trialtui.search.normalize import STOPWORDS, fold, token_spans, tokenized
from trialtui.search.postings import FieldPostings
from trialtui.search.query import Query, parse_query
from trialtui.search.ranking import FIELD_WEIGHTS, FIELDS, MAX_SCORE, MULTI_FIELD_BONUS, Kind, term_score, to_percent
from trialtui.search.scoring import score_window
from trialtui.search.tokenize import TermNumbers
from trialtui.search.vocab import ONE_EDIT_MIN, PREFIX_CAP, TYPO_WORD_MAX, Vocabulary, allowed_edits, typo_tables
from trialtui.search.words import QueryWord

FIELD_SEPARATOR = "; "
"""Joins the values of a many-valued field into the text that `Hit.spans` offsets point into."""

_WALK_OVER = 20_000
"""A lone word with more postings than this is ranked by walking its best postings first."""
_SHORT_PREFIX_CAP = {1: 16, 2: 48}
"""Completions a word of one or two letters being typed stands for (most frequent first): each is
in a good share of all trials, and the next letter narrows them anyway."""
_WINDOW = 60
"""Candidates scored value by value for a query (more for a long `limit`), picked by postings
score, which cannot see words together in one site name. A wider window finds a few more
intended trials at a cost in latency that `python -m bench.search` shows; this one keeps p95
within its target."""
_ID_DIGITS = 4
"""Digits typed alone from this many on also stand for the NCT IDs they begin or are."""
_FEW = 10
"""Hits under which a query is tried again, more tolerant of typos (`SearchIndex.search`)."""
_MISSPELT_RATIO = 20
"""A term is taken for a typo in the records when a term one edit away is in this many times as
many trials (see `SearchIndex._misspelt`)."""
_LONG_LIST = 16
"""A field with more values than this is a long list: see `SearchIndex._spans`."""
_FACTS = ("facts", "interventions", "started", "updated")
"""The per-trial arrays the registry's filters read (`facts`), kept with the library like the rest."""
_PHASE_BITS = {"EARLY_PHASE1": 1, "PHASE1": 2, "PHASE2": 4, "PHASE3": 8, "PHASE4": 16, "NA": 32}
_FIELD_COUNT = len(FIELDS)
_TEXTS_KEPT = 4096
"""Fields of trials whose folded text `SearchIndex._text` keeps."""
_SOURCES_KEPT = 20_000
"""Postings lists `SearchIndex._sources` keeps for the words of recent queries: typing looks every
earlier word up again at each keystroke."""


class Stopped(Exception):
    """A search gave up because its `stop` said a newer one superseded it."""


def _one_at_a_time(method):
    """Run `method` holding the index's lock: queries fill caches (postings of recent words,
    folded text, filter masks, the vocabulary's memos) that an addition or another query on a
    second thread would otherwise change under them."""

    @wraps(method)
    def locked(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    return locked


def _check(stop: Callable[[], bool] | None) -> None:
    """Raise `Stopped` when `stop` says so."""
    if stop is not None and stop():
        raise Stopped


@dataclass(frozen=True)
class SearchFilters:
    """Filters beside the query; empty means no restriction."""

    statuses: frozenset[str] = frozenset()
    """Recruitment statuses, API spelling (``RECRUITING``) or words ("Not yet recruiting")."""
    phases: frozenset[str] = frozenset()
    """``PHASE2``, "Phase 2", "2", ``PHASE1/PHASE2``, ``NA``...; a trial passes if its phase is
    one listed: ``PHASE2`` admits a phase 2 trial, not a phase 1/2 or 2/3 one."""
    countries: frozenset[str] = frozenset()
    """Trials with a site in any of them, each by any name it goes by (`countries.same_country`)."""
    patient_ages: frozenset[float] = frozenset()
    """Years; passes trials whose age limits admit any of them (a missing limit admits everyone)."""
    study_types: frozenset[str] = frozenset()
    """``INTERVENTIONAL``, ``OBSERVATIONAL``, ``EXPANDED_ACCESS`` (`facts.STUDY_TYPES`)."""
    sexes: frozenset[str] = frozenset()
    """``FEMALE``, ``MALE``: trials whose eligibility admits that sex (``ALL`` admits both)."""
    age_groups: frozenset[str] = frozenset()
    """``CHILD``, ``ADULT``, ``OLDER_ADULT``: trials whose age range overlaps the group's."""
    healthy_volunteers: bool = False
    """Only trials that accept healthy volunteers."""
    intervention_types: frozenset[str] = frozenset()
    """Registry spelling (`facts.INTERVENTION_TYPES`): trials with an intervention of that type."""
    funder_types: frozenset[str] = frozenset()
    """``NIH``, ``FED``, ``INDUSTRY``, ``OTHER``: trials with a sponsor or collaborator of that class."""
    has_results: bool | None = None
    """True: results posted; False: the record says none are."""
    started: tuple[int, int] | None = None
    """Start dates from, to (inclusive), as `facts.date_number` numbers."""
    updated: tuple[int, int] | None = None
    """Last-update dates from, to (inclusive), as `facts.date_number` numbers."""

    def __bool__(self) -> bool:
        return bool(self.statuses or self.phases or self.countries or self.patient_ages
                    or self.study_types or self.sexes or self.age_groups or self.healthy_volunteers
                    or self.intervention_types or self.funder_types or self.has_results is not None
                    or self.started or self.updated)


@dataclass(frozen=True, slots=True)
class Hit:
    trial_id: str
    score: float
    """0..100, higher is better."""
    matched: tuple[str, ...] = ()
    """Digest fields any query word matched in, most specific first."""
    spans: dict[str, tuple[tuple[int, int], ...]] = field(default_factory=dict, hash=False)
    """Field → ``(start, end)`` of matched words in `field_text` of that field."""


class HitColumns(Sequence[Hit]):
    """Ranked matches without highlights, kept as columns and made a `Hit` when read. The rest of
    a broad query at registry scale is hundreds of thousands of matches: as many objects (and as
    many again for the list's rows) would outlive the query, and each such query would then set
    off a full pass of the cycle collector over the whole library, a pause the user sees."""

    __slots__ = ("ids", "scores", "matched")

    def __init__(self, ids: list[str], scores: list[float], matched: list[tuple[str, ...]]) -> None:
        self.ids, self.scores, self.matched = ids, scores, matched

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, at):
        if isinstance(at, slice):
            return list(map(Hit, self.ids[at], self.scores[at], self.matched[at]))
        return Hit(self.ids[at], self.scores[at], self.matched[at])

    def __iter__(self) -> Iterator[Hit]:
        return map(Hit, self.ids, self.scores, self.matched)


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
    """Every trial's values of one field, for `tokenize.TermNumbers.fields_values` (repeats and
    empty values are harmless there: they add no term)."""
    if name == "ids":
        return [(digest.trial_id, *digest.ids) for digest in digests]
    values = list(map(attrgetter(name), digests))
    return [(value,) for value in values] if values and isinstance(values[0], str) else values


def _trials_by_country(per_doc: list[tuple[str, ...]]) -> dict[str, array]:
    """Country key → the trials (ascending, once each) listing it, from each trial's countries:
    the keys are worked out per distinct name, the trials grouped in one sort."""
    codes, names = number_all(list(chain.from_iterable(per_doc)), {})
    key_codes, keys = number_all([_country_key(name) for name in names], {})
    docs = np.repeat(np.arange(len(per_doc), dtype=np.int64), np.fromiter(map(len, per_doc), np.int64, len(per_doc)))
    pairs = sorted_unique((key_codes[codes] << 32) | docs) if len(docs) else docs
    cuts = np.searchsorted(pairs >> 32, np.arange(len(keys) + 1))
    trials = (pairs & 0xFFFFFFFF).astype(np.uint32)
    return {key: array("I", trials[cuts[i]:cuts[i + 1]].tobytes()) for i, key in enumerate(keys)}


def _text(values: Sequence[str]) -> np.ndarray:
    return np.frombuffer("\n".join(values).encode(), np.uint8)


def _strings(blob: np.ndarray) -> list[str]:
    return blob.tobytes().decode().split("\n") if len(blob) else []


def _status_key(text: str) -> str:
    return "_".join(text.upper().split())


def _phase_key(text: str) -> str:
    key = "".join(text.upper().replace("_", " ").split())
    if key.isdigit():
        return "PHASE" + key
    return {"N/A": "NA", "EARLYPHASE1": "EARLY_PHASE1"}.get(key, key)


def _phase_bits(phases: Iterable[str]) -> int:
    bits = 0
    for phase in phases:
        bits |= _PHASE_BITS.get(_phase_key(phase), 0)
    return bits


def _country_key(country: str) -> str:
    return " ".join(fold(country).split())


_TAIL_CHUNK = 50_000
"""Trials scored at a time when the rest of a long list of matches is scored (memory)."""


class _Tail:
    """The matches of a query past its best ones, ranked when first needed (`Matches`); with no
    words, the rest of a filtered listing, in order."""

    def __init__(self, index: SearchIndex, words: list[QueryWord] | None, docs: np.ndarray, holds: np.ndarray | None):
        self.index, self.words, self.docs, self.holds = index, words, docs, holds
        self.hits: HitColumns | None = None

    def __len__(self) -> int:
        return len(self.docs) if self.hits is None else len(self.hits)

    def score(self, stop: Callable[[], bool] | None = None) -> bool:
        """Rank the rest (no highlights); False if `stop` said so before the end."""
        if self.hits is not None:
            return True
        if self.words is None:
            digests = self.index._digests
            count = len(self.docs)
            self.hits = HitColumns([digests[doc].trial_id for doc in self.docs.tolist()], [0.0] * count, [()] * count)
            return True
        raw, bits = [np.zeros(0)], [np.zeros(0, np.int64)]
        for start in range(0, len(self.docs), _TAIL_CHUNK):  # the lock let go between chunks
            if stop is not None and stop():
                return False
            part = slice(start, start + _TAIL_CHUNK)
            with self.index._lock:
                scored = self.index._raw(self.words, self.docs[part], None if self.holds is None else self.holds[:, part])
            raw.append(scored[0])
            bits.append(scored[1])
        with self.index._lock:
            self.hits = self.index._ranked(self.words, self.docs, np.concatenate(raw), np.concatenate(bits), False, None)
        return True


class Matches(Sequence[Hit]):
    """Every trial a query matches, best first: the best ranked and highlighted at once, the rest
    ranked (without highlights) when first read, or by `finish`. Its length is exact from the start."""

    def __init__(self, head: list[Hit], tail: _Tail | None):
        self.head = head
        self._tail = tail

    def __len__(self) -> int:
        return len(self.head) + (len(self._tail) if self._tail is not None else 0)

    @property
    def complete(self) -> bool:
        """Whether every match is ranked already."""
        return self._tail is None or self._tail.hits is not None

    def finish(self, stop: Callable[[], bool] | None = None) -> bool:
        """Rank the rest now; False if `stop` returned True first."""
        return self._tail is None or self._tail.score(stop)

    def __getitem__(self, at):
        if isinstance(at, int) and -len(self.head) <= at < len(self.head) and (at >= 0 or self._tail is None):
            return self.head[at]
        self.finish()
        if isinstance(at, slice):
            return [self[number] for number in range(*at.indices(len(self)))]
        number = at + len(self) if at < 0 else at
        if not 0 <= number < len(self):
            raise IndexError("match index out of range")
        return self.head[number] if number < len(self.head) else self._tail.hits[number - len(self.head)]

    def ids(self) -> list[str]:
        """Every match's trial id, best first (the rest ranked now if need be)."""
        self.finish()
        return [hit.trial_id for hit in self.head] + (self._tail.hits.ids if self._tail is not None else [])

    def matched(self) -> list[tuple[str, ...]]:
        """Every match's `Hit.matched`, in the order of `ids`."""
        self.finish()
        return [hit.matched for hit in self.head] + (self._tail.hits.matched if self._tail is not None else [])

    def spans(self, trial_id: str, name: str) -> tuple[tuple[int, int], ...]:
        """Where the query's words match in one field of a trial (`Hit.spans`): for a match
        ranked without highlights, found when it is shown."""
        if self._tail is None or self._tail.words is None:
            return ()
        index = self._tail.index
        with index._lock:
            doc = index._doc_of.get(trial_id)
            return () if doc is None else index._spans(doc, self._tail.words, [name]).get(name, ())

    def __iter__(self) -> Iterator[Hit]:
        yield from self.head
        if self._tail is not None:
            self.finish()
            yield from self._tail.hits


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
        self._facts = array("H")
        """Per trial `facts.fact_bits` (study type, sexes, healthy volunteers, results, funders)."""
        self._interventions = array("H")
        self._started = array("I")
        self._updated = array("I")
        self._by_country: defaultdict[str, array] = defaultdict(partial(array, "I"))
        self._vocab = Vocabulary([], array("I"))
        self._masks: dict[SearchFilters, bytes] = {}
        self._texts: dict[tuple[int, int], tuple] = {}
        self._kept_sources: dict[tuple, tuple[tuple, int]] = {}
        self._kept_size = 0
        self._lock = threading.RLock()
        """Held by every query and change: one at a time (`_one_at_a_time`)."""

    @classmethod
    def build(cls, digests: Iterable[TrialDigest]) -> SearchIndex:
        """Index many digests at once: each field's values tokenised once per distinct value and
        posted in bulk (`tokenize`, `postings`), then the vocabulary and its typo tables made."""
        index = cls()
        digests = list(digests)
        index._admit_all(digests)
        numbering = TermNumbers()
        index._fields = [FieldPostings.build(values, len(digests))
                         for values in numbering.fields_values(_values(digests, name) for name in FIELDS)]
        terms = numbering.terms()
        frequency = sum(postings.frequency(len(terms)) for postings in index._fields)
        index._vocab = Vocabulary(terms, array("I", np.asarray(frequency, np.uint32).tobytes()),
                                  partial(typo_tables, terms), numbering.ids)
        return index

    def __len__(self) -> int:
        return len(self._doc_of)

    def countries(self) -> list[str]:
        """Every country some trial lists (folded as the index keeps them)."""
        return [key for key, docs in self._by_country.items() if docs]

    def __contains__(self, trial_id: str) -> bool:
        return trial_id in self._doc_of

    @_one_at_a_time
    def add(self, digest: TrialDigest) -> None:
        """Index one more trial (replacing any with the same id), e.g. after an import."""
        self.add_all([digest])

    @_one_at_a_time
    def add_all(self, digests: Iterable[TrialDigest]) -> None:
        """Index more trials (each replacing any with the same id): each distinct value tokenised
        once (trials share sites, cities, sponsors), the new terms put in the vocabulary at once
        (one sort, not one insertion each)."""
        per_trial = [(digest, [field_values(digest, name) for name in FIELDS]) for digest in digests]
        texts = list(dict.fromkeys(chain.from_iterable(chain.from_iterable(fields for _, fields in per_trial))))
        terms, owners, counts = tokenized(texts)
        vocab = self._vocab
        vocab.extend(terms)
        per_text: list[dict[int, None]] = [{} for _ in texts]
        for number, owner in zip(map(vocab.ids.__getitem__, terms), owners.tolist(), strict=True):
            per_text[owner][number] = None
        numbered = {text: (tuple(numbers), count) for text, numbers, count in zip(texts, per_text, counts.tolist(),
                                                                                     strict=True)}
        for digest, fields in per_trial:
            doc = self._admit(digest)
            for postings, values in zip(self._fields, fields, strict=True):
                listed = [numbered[value] for value in values]
                for term_number in set(chain.from_iterable(numbers for numbers, _ in listed)):
                    vocab.frequency[term_number] += 1
                postings.add(doc, listed)
        self._kept_sources.clear()
        self._kept_size = 0

    # -- kept with the library ----------------------------------------------------------------

    def arrays(self) -> tuple[dict[str, np.ndarray], dict]:
        """Everything this index is, as arrays and a little JSON (`from_arrays` makes it again):
        what a library keeps between runs. Only for an index with nothing added since it was
        built or compacted (`compacted`)."""
        if any(postings.has_overlay() for postings in self._fields):
            raise ValueError("trials were added since the build: compact the index first")
        vocab = self._vocab
        arrays: dict[str, np.ndarray] = {}
        for number, postings in enumerate(self._fields):
            for name, values in postings.arrays().items():
                arrays[f"field{number}_{name}"] = values
        piece_lengths = sorted(vocab._by_piece)
        countries = sorted(self._by_country)
        arrays.update(
            ids=np.frombuffer(json.dumps([digest.trial_id if digest is not None else "" for digest in self._digests],
                                         ensure_ascii=False).encode(), np.uint8),  # an id may hold any character
            alive=np.frombuffer(bytes(self._alive), np.uint8),
            status=np.frombuffer(self._status.tobytes(), np.uint8),
            phases=np.frombuffer(self._phases.tobytes(), np.uint8),
            min_age=np.frombuffer(self._min_age.tobytes(), np.float32),
            max_age=np.frombuffer(self._max_age.tobytes(), np.float32),
            **{name: np.frombuffer(getattr(self, f"_{name}"), getattr(self, f"_{name}").typecode) for name in _FACTS},
            country_names=_text(countries),
            country_starts=np.cumsum([0, *(len(self._by_country[c]) for c in countries)]),
            country_docs=np.concatenate([np.frombuffer(self._by_country[c].tobytes(), np.uint32)
                                         for c in countries] or [np.zeros(0, np.uint32)]),
            terms=_text(vocab.terms),
            frequency=np.frombuffer(vocab.frequency.tobytes(), np.uint32),
            alphabetical=vocab.alphabetical(),
            piece_lengths=np.asarray(piece_lengths, np.int64),
            piece_sizes=np.asarray([len(vocab._by_piece[length][0]) for length in piece_lengths], np.int64),
            pieces=np.concatenate([np.frombuffer(order.tobytes(), np.uint32)
                                   for length in piece_lengths for order in vocab._by_piece[length]]
                                  or [np.zeros(0, np.uint32)]),
        )
        return arrays, {"fields": list(FIELDS), "status_codes": self._status_codes}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], meta: dict, digests: Sequence[TrialDigest]) -> SearchIndex:
        """The index `arrays` made, over `digests`: a trial of the arrays none of them names is
        left out (as if removed), and one of them the arrays do not hold is not added. Raises
        ValueError if the arrays do not fit together."""
        if tuple(meta.get("fields", ())) != FIELDS:
            raise ValueError("made for other fields")
        ids = json.loads(arrays["ids"].tobytes())
        if not isinstance(ids, list):  # an id of another type matches no digest: left out
            raise ValueError("trial ids unreadable")
        size = len(ids)
        if any(len(arrays[name]) != size for name in ("alive", "status", "phases", "min_age", "max_age", *_FACTS)):
            raise ValueError("per-trial arrays of different lengths")
        doc_of = dict(zip(ids, range(size), strict=True))
        if len(doc_of) != size:
            raise ValueError("a trial id listed twice")
        held = len(digests) - size
        if held >= 0 and list(map(attrgetter("trial_id"), digests[held:])) == ids:
            # The usual start: the library as the arrays hold it, in their order, after the seeds.
            slots: list[TrialDigest | None] = list(digests[held:])
            alive = arrays["alive"].astype(bool)
        else:
            slots = [None] * size
            for doc, digest in zip(map(doc_of.get, map(attrgetter("trial_id"), digests)), digests, strict=True):
                if doc is not None:
                    slots[doc] = digest
            alive = np.frombuffer(bytes(map(bool, slots)), bool) & arrays["alive"].astype(bool)
        index = cls()
        for doc in np.flatnonzero(~alive).tolist():
            slots[doc] = None
            del doc_of[ids[doc]]
        index._digests = slots
        index._doc_of = doc_of
        index._alive = bytearray(alive.astype(np.uint8).tobytes())
        index._status = array("B", arrays["status"].tobytes())
        index._status_codes = dict(meta["status_codes"])
        index._phases = array("B", arrays["phases"].tobytes())
        index._min_age = array("f", arrays["min_age"].tobytes())
        index._max_age = array("f", arrays["max_age"].tobytes())
        for name in _FACTS:
            setattr(index, f"_{name}", array(getattr(index, f"_{name}").typecode, arrays[name].tobytes()))
        starts = arrays["country_starts"].tolist()
        country_docs = arrays["country_docs"]
        if starts[-1:] != [len(country_docs)] or (len(country_docs) and int(country_docs.max()) >= size):
            raise ValueError("country lists do not fit")
        index._by_country = defaultdict(partial(array, "I"), {
            name: array("I", country_docs[starts[i]:starts[i + 1]].tobytes())
            for i, name in enumerate(_strings(arrays["country_names"]))})
        terms = _strings(arrays["terms"])
        index._fields = [FieldPostings.from_arrays({name: arrays[f"field{number}_{name}"]
                                                    for name in FieldPostings.ARRAYS})
                         for number in range(len(FIELDS))]
        for postings in index._fields:
            postings.check(size, len(terms))
        lengths, sizes = arrays["piece_lengths"].tolist(), arrays["piece_sizes"].tolist()
        pieces, at, by_piece = arrays["pieces"], 0, {}
        if 3 * sum(sizes) != len(pieces) or len(arrays["frequency"]) != len(terms) != len(arrays["alphabetical"]):
            raise ValueError("vocabulary arrays do not fit")
        for length, size_of in zip(lengths, sizes, strict=True):
            by_piece[length] = tuple(array("I", pieces[at + k * size_of:at + (k + 1) * size_of].tobytes())
                                     for k in range(3))
            at += 3 * size_of
        index._vocab = vocab = Vocabulary.restore(terms, array("I", arrays["frequency"].tobytes()),
                                                  arrays["alphabetical"], by_piece)
        vocab.positions()  # here, not at the first query
        for doc in np.flatnonzero(~alive).tolist():
            for postings in index._fields:
                postings.forget(doc)  # a trial no longer held
        return index

    def is_compact(self, leave_out: Collection[str] = ()) -> bool:
        """Whether `compacted` would make this index again, array for array: nothing added or
        removed since the build, none of `leave_out` held, its trials already in the order
        `compacted` sorts them (a whole build over a library's digests, read in id order)."""
        if any(postings.has_overlay() for postings in self._fields) or 0 in self._alive \
                or any(trial_id in self._doc_of for trial_id in leave_out):
            return False
        ids = np.array([digest.trial_id for digest in self._digests])
        return bool((np.argsort(ids, kind="stable") == np.arange(len(ids))).all())

    def compacted(self, leave_out: Collection[str] = ()) -> SearchIndex:
        """This index made again, its trials in id order, without its removed trials (nor those
        of `leave_out`) and with those added since the build merged into its arrays: what a
        fresh build over the same trials in that order answers, from the arrays alone (nothing
        is tokenised). The terms no trial holds any more leave the vocabulary; the others keep
        their order."""
        alive = np.frombuffer(bytes(self._alive), bool).copy()
        for trial_id in leave_out:
            if (doc := self._doc_of.get(trial_id)) is not None:
                alive[doc] = False
        live = np.flatnonzero(alive)
        order = live[np.argsort(np.array([self._digests[doc].trial_id for doc in live.tolist()]), kind="stable")]
        new_doc = np.full(len(alive), -1, np.int64)
        new_doc[order] = np.arange(len(order))
        fields = [postings.compacted(new_doc, alive) for postings in self._fields]
        vocab = self._vocab
        frequency = sum((postings.frequency(len(vocab.terms)) for postings in fields), np.zeros(len(vocab.terms), np.int64))
        held = frequency > 0
        new_term = (np.cumsum(held) - 1).astype(np.int64)
        index = SearchIndex()
        index._fields = [postings.terms_dropped(new_term) for postings in fields]
        kept = order.tolist()
        index._digests = [self._digests[doc] for doc in kept]
        index._doc_of = {digest.trial_id: doc for doc, digest in enumerate(index._digests)}
        index._alive = bytearray(b"\x01" * len(kept))
        for name in ("_status", "_phases", "_min_age", "_max_age", *(f"_{name}" for name in _FACTS)):
            column = getattr(self, name)
            setattr(index, name, array(column.typecode, [column[doc] for doc in kept]))
        index._status_codes = dict(self._status_codes)
        for key, docs in self._by_country.items():
            listed = np.frombuffer(docs, np.uint32)
            moved = np.unique(new_doc[listed[alive[listed]]])
            if len(moved):
                index._by_country[key] = array("I", moved.astype(np.uint32).tobytes())
        index._vocab = vocab.kept(held, new_term, np.asarray(frequency[held], np.uint32))
        return index

    def remove(self, trial_id: str) -> None:
        doc = self._doc_of.pop(trial_id, None)
        if doc is not None:
            self._alive[doc] = 0
            self._digests[doc] = None
            for postings in self._fields:
                postings.forget(doc)
            self._texts.clear()
            self._masks.clear()

    def _admit_all(self, digests: list[TrialDigest]) -> None:
        """`_admit` every digest into an empty index: each filter value worked out once per
        distinct value (a few statuses, phase sets and countries) instead of once per trial."""
        doc_of = dict(zip(map(attrgetter("trial_id"), digests), range(len(digests)), strict=True))
        if len(doc_of) < len(digests):  # an id given twice: the later copy replaces the earlier
            for digest in digests:
                self._admit(digest)
            return
        self._digests, self._doc_of, self._alive = list(digests), doc_of, bytearray(b"\x01" * len(digests))
        statuses = list(map(attrgetter("status"), digests))
        codes = {status: self._status_code(status) for status in dict.fromkeys(statuses)}
        self._status = array("B", map(codes.__getitem__, statuses))
        phases = list(map(attrgetter("phases"), digests))
        bits = {key: _phase_bits(key) for key in dict.fromkeys(phases)}
        self._phases = array("B", map(bits.__getitem__, phases))
        self._min_age = array("f", [math.nan if age is None else age for age in map(attrgetter("min_age"), digests)])
        self._max_age = array("f", [math.nan if age is None else age for age in map(attrgetter("max_age"), digests)])
        self._by_country.update(_trials_by_country(list(map(attrgetter("countries"), digests))))
        facts = list(map(attrgetter("study_type", "sex", "healthy_volunteers", "has_results", "funder_types"), digests))
        bits = {key: fact_bits(*key) for key in dict.fromkeys(facts)}
        self._facts = array("H", map(bits.__getitem__, facts))
        kinds = list(map(attrgetter("intervention_types"), digests))
        bits = {key: intervention_bits(key) for key in dict.fromkeys(kinds)}
        self._interventions = array("H", map(bits.__getitem__, kinds))
        for name, dates in (("start_date", "_started"), ("last_update", "_updated")):
            texts = list(map(attrgetter(name), digests))
            numbers = {text: date_number(text) for text in dict.fromkeys(texts)}
            setattr(self, dates, array("I", map(numbers.__getitem__, texts)))
        self._masks.clear()

    def _status_code(self, status: str) -> int:
        """The one-byte code of a recruitment status (0 past 255 distinct ones: no filter finds it)."""
        code = self._status_codes.setdefault(_status_key(status), len(self._status_codes) + 1)
        return code if code < 256 else 0

    def _admit(self, digest: TrialDigest) -> int:
        """Give a digest its document number and record its filter values (replacing any trial
        with the same id); the caller posts its terms."""
        self.remove(digest.trial_id)
        doc = len(self._digests)
        self._digests.append(digest)
        self._doc_of[digest.trial_id] = doc
        self._alive.append(1)
        self._status.append(self._status_code(digest.status))
        self._phases.append(_phase_bits(digest.phases))
        self._min_age.append(math.nan if digest.min_age is None else digest.min_age)
        self._max_age.append(math.nan if digest.max_age is None else digest.max_age)
        self._facts.append(fact_bits(digest.study_type, digest.sex, digest.healthy_volunteers, digest.has_results,
                                     digest.funder_types))
        self._interventions.append(intervention_bits(digest.intervention_types))
        self._started.append(date_number(digest.start_date))
        self._updated.append(date_number(digest.last_update))
        for key in set(map(_country_key, digest.countries)):
            self._by_country[key].append(doc)
        self._masks.clear()
        return doc

    # -- querying ---------------------------------------------------------------------------

    @_one_at_a_time
    def search(self, query: str, limit: int = 50, filters: SearchFilters | None = None,
               highlight: Collection[str] | None = None, stop: Callable[[], bool] | None = None) -> list[Hit]:
        """The `limit` best trials for `query`, best first; an empty query lists trials in order.

        `Hit.spans` are found in the `highlight` fields only (default: every matched field):
        the list shows only the titles', and finding them means reading the text. When `stop`
        returns True (a newer query superseded this one), the search raises `Stopped` at its
        next step.
        """
        _check(stop)
        parsed = parse_query(query)
        mask = self._mask(filters or SearchFilters())
        if not parsed:
            return self._listing(mask, limit)
        words = self._resolve(parsed)
        _check(stop)
        hits = self._hits(words, mask, limit, highlight)
        _check(stop)
        if len(hits) < min(limit, _FEW):
            # Few matched: maybe a slip in a short word ("Brin", "vdeo"), or a misspelling that
            # some record shares ("universtiy"), both otherwise taken as typed.
            tolerant = self._resolve(parsed, tolerant=True)
            if [word.numbers for word in tolerant] != [word.numbers for word in words]:
                more = self._hits(tolerant, mask, limit, highlight)
                hits = more if len(more) > len(hits) else hits
        return hits

    @_one_at_a_time
    def matches(self, query: str, filters: SearchFilters | None = None, highlight: Collection[str] | None = None,
                only: Collection[str] | None = None, without: Collection[str] = (),
                stop: Callable[[], bool] | None = None) -> Matches:
        """Every trial `query` matches among those `filters` admit (and among `only`, if given,
        never `without`), best first; an empty query lists them in order. The best come ranked
        and highlighted as `search` gives them; the rest are scored the same way when first read
        past them (`Matches`), but are counted at once. `stop` as for `search`; the rest's
        scoring takes its own (`Matches.finish`)."""
        _check(stop)
        parsed = parse_query(query)
        mask = self._restricted(self._mask(filters or SearchFilters()), only, without)
        if not parsed:
            docs = np.flatnonzero(np.frombuffer(mask, np.bool_))
            return Matches([Hit(self._digests[doc].trial_id, 0.0) for doc in docs[:_WINDOW].tolist()],
                           _Tail(self, None, docs[_WINDOW:], None))
        words = self._resolve(parsed)
        _check(stop)
        found = self._every(words, mask, highlight)
        _check(stop)
        if len(found) < _FEW:  # as in `search`
            tolerant = self._resolve(parsed, tolerant=True)
            if [word.numbers for word in tolerant] != [word.numbers for word in words]:
                more = self._every(tolerant, mask, highlight)
                found = more if len(more) > len(found) else found
        return found

    def _restricted(self, mask: bytes, only: Collection[str] | None, without: Collection[str]) -> bytes:
        """`mask` narrowed to the trials `only` names (all if None), never those of `without`."""
        if only is None and not without:
            return mask
        narrowed = bytearray(len(mask)) if only is not None else bytearray(mask)
        for trial_id in only or ():
            doc = self._doc_of.get(trial_id)
            if doc is not None:
                narrowed[doc] = mask[doc]
        for trial_id in without:
            doc = self._doc_of.get(trial_id)
            if doc is not None:
                narrowed[doc] = 0
        return bytes(narrowed)

    def _usable(self, words: list[QueryWord]) -> list[QueryWord] | None:
        """The words that rank, cheapest first; None when one matches nothing.

        A stopword being typed ("Vitamin A") is not indexed: it ranks nothing, so it must not
        filter; the next letter makes it a word."""
        words = [w for w in words if not (w.query.typing and w.query.text in STOPWORDS)] or words
        if any(not w.sources for w in words):
            return None
        words.sort(key=lambda w: w.cost)
        return words

    def _hits(self, words: list[QueryWord], mask: bytes, limit: int, highlight: Collection[str] | None) -> list[Hit]:
        words = self._usable(words)
        if words is None:
            return []
        alive = np.frombuffer(mask, np.bool_)
        window = max(limit + 30, _WINDOW)
        if len(words) == 1 and words[0].cost > _WALK_OVER:
            docs, holds = self._walk(words[0], alive, window), None
        else:
            docs, scores, holds = self._candidates(words, alive)
            picked = _best(scores, window, partial(self._crowding, docs, holds))
            docs, holds = docs[picked], _holds(words, docs[picked], holds[:, picked], self._fields)
        return self._scored(words, docs, holds, highlight, limit)

    def _every(self, words: list[QueryWord], mask: bytes, highlight: Collection[str] | None) -> Matches:
        """`matches` of resolved words: the best as `_hits` ranks them for a short `limit`, then
        the rest of the trials whose postings hold every word, to be scored when first read."""
        words = self._usable(words)
        if words is None:
            return Matches([], None)
        alive = np.frombuffer(mask, np.bool_)
        if len(words) == 1 and words[0].cost > _WALK_OVER:
            head, head_holds = self._walk(words[0], alive, _WINDOW), None
            every = np.zeros(len(alive), bool)
            for _, docs, _, _ in words[0].sources:
                every[docs] = True
            every &= alive
            every[head] = False
            rest, rest_holds = np.flatnonzero(every), None
        else:
            docs, scores, holds = self._candidates(words, alive)
            picked = _best(scores, _WINDOW, partial(self._crowding, docs, holds))
            head, head_holds = docs[picked], _holds(words, docs[picked], holds[:, picked], self._fields)
            left = np.ones(len(docs), bool)
            left[picked] = False
            rest = docs[left]
            rest_holds = _holds(words, rest, holds[:, left], self._fields) if len(rest) else None
        hits = self._scored(words, head, head_holds, highlight, None)
        # Where only a word's two halves hold a trial, they may be in two values: no match. A
        # phrase may fail anywhere. Those trials are scored now, so the count is exact at once.
        unsure = np.zeros(len(rest), bool)
        for word in words:
            if word.split_numbers:
                held = np.zeros(len(alive), bool)
                for _, docs, _, term in word.sources:
                    if term >= 0:
                        held[docs] = True
                unsure |= ~held[rest]
        if unsure.any() and not _phrases(words):
            raw, _ = self._raw(words, rest[unsure], None if rest_holds is None else rest_holds[:, unsure])
            unsure[np.flatnonzero(unsure)[raw >= 0]] = False
            rest, rest_holds = rest[~unsure], None if rest_holds is None else rest_holds[:, ~unsure]
        tail = _Tail(self, words, rest, rest_holds)
        if _phrases(words):
            tail.score()
        return Matches(hits, tail)

    def _scored(self, words: list[QueryWord], docs: np.ndarray, holds: np.ndarray | None,
                highlight: Collection[str] | Literal[False] | None, limit: int | None) -> list[Hit]:
        """The trials of `docs` that match, exactly scored, best first (at most `limit`); with
        `highlight` False, no `Hit.spans` (reading text for every trial of a long list is slow)."""
        if not len(docs):
            return []
        raw, bits = self._raw(words, docs, holds)
        return self._ranked(words, docs, raw, bits, highlight, limit)

    def _raw(self, words: list[QueryWord], docs: np.ndarray, holds: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Each trial's raw score (`score_window`) and, as bits by field number, where it matched."""
        raw, matched = score_window(docs, words, self._fields, self._vocab.positions(), self._vocab.alphabetical(),
                                    holds)
        return raw, (matched.astype(np.int64) << np.arange(_FIELD_COUNT)[:, None]).sum(0)

    def _ranked(self, words: list[QueryWord], docs: np.ndarray, raw: np.ndarray, bits: np.ndarray,
                highlight: Collection[str] | Literal[False] | None, limit: int | None) -> list[Hit] | HitColumns:
        """Hits for scored trials, best first, then by trial number; those failing a phrase left out.
        With `highlight` False (a long list's rest): columns, no spans."""
        phrases = _phrases(words)
        digests = self._digests
        if highlight is False and not phrases:  # no text to read: all at once
            order = np.lexsort((docs, -np.round(raw, 9)))
            order = order[raw[order] >= 0][:limit]
            named = {b: tuple(name for number, name in enumerate(FIELDS) if b >> number & 1)
                     for b in np.unique(bits[order]).tolist()}
            percent = np.round(np.minimum(100.0, 100.0 * raw[order] / MAX_SCORE), 2).tolist()
            return HitColumns([digests[doc].trial_id for doc in docs[order].tolist()], percent,
                              list(map(named.__getitem__, bits[order].tolist())))
        field_bits = bits.tolist()
        names: dict[int, tuple[str, ...]] = {}
        hits = []
        for at in np.lexsort((docs, -np.round(raw, 9))).tolist():
            if raw[at] < 0 or len(hits) == limit:
                break
            doc = int(docs[at])
            fields = names.get(field_bits[at])
            if fields is None:
                fields = names[field_bits[at]] = tuple(name for number, name in enumerate(FIELDS)
                                                       if field_bits[at] >> number & 1)
            if phrases and not self._has_phrases(doc, phrases, fields):
                continue
            if highlight is False:
                spans = {}
            else:
                shown = fields if highlight is None else [name for name in fields if name in highlight]
                spans = self._spans(doc, words, shown)
            hits.append(Hit(digests[doc].trial_id, to_percent(float(raw[at])), fields, spans))
        if highlight is False:
            return HitColumns([hit.trial_id for hit in hits], [hit.score for hit in hits], [hit.matched for hit in hits])
        return hits

    def _listing(self, mask: bytes, limit: int | None = None) -> list[Hit]:
        """The trials `mask` admits, in order (the first `limit`)."""
        digests = self._digests
        docs = np.flatnonzero(np.frombuffer(mask, np.bool_))[:limit]
        return [Hit(digests[doc].trial_id, 0.0) for doc in docs.tolist()]

    def _resolve(self, parsed: Query, tolerant: bool = False) -> list[QueryWord]:
        """Find the vocabulary terms each query word may stand for and their postings; when
        `tolerant`, four-letter words may have one typo, and words found as typed but looking like
        a typo in the records (`_misspelt`) their typo alternatives."""
        vocab = self._vocab
        all_fields = tuple(range(_FIELD_COUNT))
        words = []
        for position, query in enumerate(parsed.terms):
            fields = all_fields if query.fields is None else tuple(
                i for i, name in enumerate(FIELDS) if name in query.fields)
            words.append(QueryWord(query, fields, position))
        for i, word in enumerate(words):
            text = word.query.text
            settled = text in vocab and not word.query.typing
            if text in vocab:
                word.offer(text, Kind.EXACT)
            word.prefix = word.query.typing or (len(text) >= 3 and not settled)
            if word.prefix:
                for term in vocab.completions(text, cap=_SHORT_PREFIX_CAP.get(len(text), PREFIX_CAP)):
                    word.offer(term, Kind.PREFIX, len(text) / len(term))
            if not settled or (tolerant and self._misspelt(text)):  # else a finished word found as typed is taken at its word
                for term, distance in vocab.near(text).items():
                    word.offer(term, Kind.TYPO, 2.0 - distance)
            if text.isdigit() and len(text) >= _ID_DIGITS:  # "06674265": the digits of an NCT ID
                if "nct" + text in vocab:
                    word.offer("nct" + text, Kind.EXACT)
                if word.query.typing:
                    for term in vocab.completions("nct" + text, cap=16):
                        word.offer(term, Kind.PREFIX, (len(text) + 3) / len(term))
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
            if text not in vocab and 4 <= len(text) <= 2 * TYPO_WORD_MAX:  # two words a missing space glued
                word.splits = [(text[:k], text[k:]) for k in range(2, len(text) - 1)
                               if text[:k] in vocab and text[k:] in vocab][:3]
            if not word.alternatives and not word.splits:
                for term in vocab.near_completions(text):
                    word.offer(term, Kind.TYPO_PREFIX)
            if tolerant and len(text) == ONE_EDIT_MIN - 1:
                for term in vocab.one_edit(text):
                    word.offer(term, Kind.TYPO, 1.0)
        for word in words:
            word.number(vocab)
        self._sources(words)
        return words

    def _misspelt(self, term: str) -> bool:
        """Whether an indexed term looks like a typo in the records themselves ("universtiy",
        "hospial"): a word one edit away is in far more trials. Typed, it should find both."""
        vocab = self._vocab
        if not allowed_edits(term):
            return False
        count = vocab.count(term)
        return any(vocab.count(other) >= _MISSPELT_RATIO * count for other in vocab.one_edit(term))

    def _sources(self, words: list[QueryWord]) -> None:
        """Each word's postings lists with the score each earns, best first (`QueryWord.sources`):
        kept from a recent query for a word standing for the same terms, else the terms of every
        new word looked up at once, with one `FieldPostings.docs_of` per field."""
        kept = self._kept_sources
        keys = [(word.fields, tuple(word.numbers.items()), tuple(word.split_numbers)) for word in words]
        found = {key: hit for key in keys if (hit := kept.get(key)) is not None}
        new = [i for i, key in enumerate(keys) if key not in found]
        for i, sources in zip(new, self._look_up([words[i] for i in new]), strict=True):
            found[keys[i]] = (tuple(sources), sum(len(docs) for _, docs, _, _ in sources))
            if self._kept_size + len(sources) > _SOURCES_KEPT:
                kept.clear()
                self._kept_size = 0
            kept[keys[i]] = found[keys[i]]
            self._kept_size += len(sources)
        for word, key in zip(words, keys, strict=True):
            sources, word.cost = found[key]
            word.sources = list(sources)

    def _look_up(self, words: list[QueryWord]) -> list[list[tuple[float, np.ndarray, int, int]]]:
        """`_sources` of `words`, found in the postings."""
        owners: dict[int, list[tuple[int, int]]] = {}  # term → (word, its place in the word's terms)
        for i, word in enumerate(words):
            for place, term in enumerate(word.numbers):
                owners.setdefault(term, []).append((i, place))
        numbers = np.array(sorted(owners), np.int64)
        found: list[list[tuple]] = [[] for _ in words]  # (field, built/later, place, score, trials, term)
        for number in sorted({number for word in words for number in word.fields}):
            field = self._fields[number]
            weight = FIELD_WEIGHTS[FIELDS[number]]
            for later, postings in enumerate(field.docs_of(numbers)):
                for term, docs in postings.items():
                    for i, place in owners[term]:
                        if number in words[i].fields:
                            kind, closeness = words[i].numbers[term]
                            found[i].append((number, later, place, term_score(kind, weight, closeness), docs, term))
            for i, word in enumerate(words):
                for place, (first, second) in enumerate(word.split_numbers if number in word.fields else ()):
                    a, b = field.docs(first), field.docs(second)
                    if a is not None and b is not None:
                        both = np.intersect1d(a, b, assume_unique=True)
                        if len(both):
                            found[i].append((number, 2, place, 0.97 * term_score(Kind.EXACT, weight), both, -1))
        looked_up = []
        for sources in found:
            sources.sort(key=lambda source: source[:3])  # field by field, in the order the word lists its terms
            ordered = [(score, docs, number, term) for number, _, _, score, docs, term in sources]
            ordered.sort(key=lambda source: source[0], reverse=True)
            looked_up.append(ordered)
        return looked_up

    def _walk(self, word: QueryWord, alive: np.ndarray, want: int) -> np.ndarray:
        """Best-scored postings first until `want` trials pass the filters (one huge word)."""
        found: dict[int, None] = {}
        for _, docs, _, _ in word.sources:
            for start in range(0, len(docs), 4 * want):
                part = docs[start:start + 4 * want]
                found.update(dict.fromkeys(part[alive[part]].tolist()))
                if len(found) >= want:
                    return np.array(sorted(list(found)[:want]), np.int64)
        return np.array(sorted(found), np.int64)

    def _candidates(self, words: list[QueryWord], alive: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Trials matching every word (by postings), ascending, their summed word scores, and
        per field number and trial whether the postings hold some word there."""
        best = np.zeros(len(alive))
        sources = np.zeros(len(alive), np.int8)
        bits = np.zeros(len(alive), np.int16)
        for score, docs, number, _ in reversed(words[0].sources):  # the best score written last
            docs = docs.astype(np.intp)  # indexes once, not converted at each use
            best[docs] = score
            sources[docs] += 1
            bits[docs] |= 1 << number
        docs = np.flatnonzero((best > 0) & alive)
        scores = best[docs] + MULTI_FIELD_BONUS * np.minimum(3, sources[docs] - 1)
        holds = (bits[docs] >> np.arange(_FIELD_COUNT)[:, None]) & 1 != 0
        marks, place = np.zeros(len(alive), bool), np.empty(len(alive), np.int32)
        for word in words[1:]:
            at, source_of = _among(docs, [source for _, source, _, _ in word.sources], marks, place)
            got = np.zeros(len(docs))
            np.maximum.at(got, at, np.array([score for score, _, _, _ in word.sources])[source_of])
            holds[np.array([number for _, _, number, _ in word.sources])[source_of], at] = True
            keep = got > 0
            docs, scores, holds = docs[keep], scores[keep] + got[keep], holds[:, keep]
        return docs, scores, holds

    def _crowding(self, docs: np.ndarray, holds: np.ndarray, among: np.ndarray) -> np.ndarray:
        """For candidates `among` (places in `docs`), how many values their fields that some
        word's postings hold have in all: where a trial lists few sites, the words of a site
        name that it holds are likely in one of them."""
        crowding = np.zeros(len(among), np.int64)
        for number in np.flatnonzero(holds[:, among].any(axis=1)).tolist():
            crowding += holds[number, among] * self._fields[number].value_counts(docs[among])
        return crowding

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
            wanted = {_phase_bits(p.split("/")) for p in filters.phases}
            table = bytes(1 if code in wanted else 0 for code in range(256))
            mask &= int.from_bytes(self._phases.tobytes().translate(table), "little")
        if filters.countries:
            allowed = bytearray(size)
            wanted = frozenset().union(*map(same_country, filters.countries))  # every spelling the records use
            for key, docs in self._by_country.items():
                if country_key(key) in wanted:
                    for doc in docs:
                        allowed[doc] = 1
            mask &= int.from_bytes(allowed, "little")
        if filters.patient_ages:
            ages = sorted(filters.patient_ages)
            allowed = bytes(
                1 if any(not (low > age or high < age) for age in ages) else 0  # NaN (no limit) compares False
                for low, high in zip(self._min_age, self._max_age, strict=True)
            )
            mask &= int.from_bytes(allowed, "little")
        facts = admitted(filters, *(np.frombuffer(values, values.typecode) for values in (
            self._facts, self._interventions, self._started, self._updated, self._min_age, self._max_age)))
        if facts is not None:
            mask &= int.from_bytes(facts.tobytes(), "little")
        result = mask.to_bytes(size, "little")
        if len(self._masks) > 8:
            self._masks.clear()
        self._masks[filters] = result
        return result

    def _text(self, doc: int, number: int) -> tuple[tuple[str, ...], list[int], dict[int, list]]:
        """One trial's values of one field, where each starts in `field_text`, and a memo of
        their `token_spans`: kept for the last few thousand fields read, since every keystroke of
        a query re-reads the same best trials."""
        key = (doc, number)
        found = self._texts.get(key)
        if found is None:
            if len(self._texts) >= _TEXTS_KEPT:
                del self._texts[next(iter(self._texts))]
            values = field_values(self._digests[doc], FIELDS[number])
            gap = len(FIELD_SEPARATOR)
            starts = list(map(add, accumulate(map(len, values), initial=0), range(0, gap * len(values) + 1, gap)))
            found = self._texts[key] = (values, starts, {})
        return found

    def _spans(self, doc: int, words: list[QueryWord], names: list[str]) -> dict[str, tuple[tuple[int, int], ...]]:
        """Where the words match in the trial's text of fields `names` (`Hit.spans`): each word
        and glued run of a value scored as the query scores terms.

        In a long list (a trial's hundreds of sites) the words after the rarest are looked for
        only in the values where the rarest matched: "center" would match nearly everywhere.
        """
        spans: dict[str, tuple[tuple[int, int], ...]] = {}
        for name in names:
            number = FIELDS.index(name)
            values, starts, tokens = self._text(doc, number)
            found: list[tuple[int, int]] = []
            look_in: Iterable[int] = range(len(values))
            for word in words:  # rarest first
                if number not in word.fields:
                    continue
                hit = set()
                for at in look_in:
                    if at not in tokens:
                        tokens[at] = list(token_spans(values[at]))
                    for start, end in _matches(word, tokens[at]):
                        found.append((starts[at] + start, starts[at] + end))
                        hit.add(at)
                if hit and len(values) > _LONG_LIST:
                    look_in = sorted(hit)
            if found:
                spans[name] = _merged(found)
        return spans

    def _has_phrases(self, doc: int, phrases: list[list[QueryWord]], names: list[str]) -> bool:
        """Whether every quoted phrase's words match consecutive words of one value."""
        left = list(phrases)
        for name in names:
            number, weight = FIELDS.index(name), FIELD_WEIGHTS[name]
            for value in self._text(doc, number)[0]:
                plain = [t for t in token_spans(value) if not t[3] and t[0] not in STOPWORDS]
                left = [members for members in left if not _has_run(plain, members, weight)]
                if not left:
                    return True
        return not left


def _matches(word: QueryWord, tokens: list[tuple[str, int, int, bool]]) -> Iterator[tuple[int, int]]:
    """Where `word` matches among one value's `tokens` (`token_spans`): a word or glued run it
    stands for, or two words in a row that are its halves."""
    for text, start, end, _ in tokens:
        if word.stands_for(text):
            yield start, end
    if word.splits:
        halves = {first + second for first, second in word.splits}
        plain = [token for token in tokens if not token[3]]
        for one, other in pairwise(plain):
            if one[0] + other[0] in halves:
                yield one[1], other[2]


def _merged(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """`spans` sorted, overlapping ones joined (a glued run and the words in it)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def _phrases(words: list[QueryWord]) -> list[list[QueryWord]]:
    """The words of each quoted phrase, in the order typed."""
    phrases: dict[int, list[QueryWord]] = {}
    for word in sorted(words, key=lambda w: w.position):
        if word.query.phrase is not None:
            phrases.setdefault(word.query.phrase, []).append(word)
    return list(phrases.values())


def _among(docs: np.ndarray, lists: list[np.ndarray], marks: np.ndarray,
           place: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the trials of `lists` that are among `docs` are: their places in `docs` and the list
    each came from, all lists read in one pass. `marks` (False for every trial) and `place` (one
    entry per trial) are room to work in; `marks` is left as found."""
    trials = np.concatenate(lists, dtype=np.intp)  # postings hold int32: as indexes they would be converted
    marks[docs] = True
    place[docs] = np.arange(len(docs), dtype=np.int32)
    found = np.flatnonzero(marks.take(trials))
    marks[docs] = False
    ends = np.cumsum([len(part) for part in lists])
    return place.take(trials[found]), np.searchsorted(ends, found, side="right")


def _holds(words: list[QueryWord], docs: np.ndarray, held: np.ndarray, fields: list[FieldPostings]) -> np.ndarray:
    """Per field number and trial of `docs`, whether some word may match there: where its
    postings hold it (`held`, see `SearchIndex._candidates`) or one of its unlisted completions
    (`QueryWord.unlisted`); everywhere in its fields for a word whose completions are too many.
    Only fields some word's postings hold are ever read (`score_window`): the others stay as held."""
    holds = held.copy()
    read = {source[2] for word in words for source in word.sources}
    for word in words:
        if word.unlisted is None:
            holds[list(word.fields)] = True
        elif len(word.unlisted):
            for number in read.intersection(word.fields):
                if not holds[number].all():
                    holds[number] |= fields[number].holding(word.unlisted, docs)
    return holds


def _best(scores: np.ndarray, want: int, crowding: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Where the `want` best `scores` are, ascending; all if few. Trials tied with the last one
    come too, up to half as many again: postings scores tie a lot, and the values decide between
    them. Past that, the least crowded of the tied (`SearchIndex._crowding`), then the lower
    numbers (candidates being ascending)."""
    if len(scores) <= want:
        return np.arange(len(scores))
    cut = len(scores) - want
    kth = np.partition(scores, cut)[cut]
    above = np.flatnonzero(scores > kth)
    ties = np.flatnonzero(scores == kth)
    room = 3 * want // 2 - len(above)
    if len(ties) > room:
        ties = ties[np.argsort(crowding(ties), kind="stable")[:room]]
    return np.sort(np.concatenate((above, ties)))


def _has_run(plain: list[tuple[str, int, int, bool]], words: list[QueryWord], weight: float) -> bool:
    """Whether `words` match consecutive tokens of one value (a quoted phrase)."""
    size = len(words)
    for start in range(len(plain) - size + 1):
        if all(words[k].score(plain[start + k][0], weight) for k in range(size)):
            return True
    return False
