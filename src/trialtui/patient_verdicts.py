"""The patient check's verdicts over a whole library at once, from the numbers stored with each
trial (`eligibility.check_data`): the patient's conditions and values are read once, then every
trial's verdict is a few numpy operations over all trials and limits.

Only the verdict (fits, fails, unknown) is computed here: it is what a list shows. A trial's
reasons are assembled when they are read (`patient_list.ListCheck`), and they agree with the
verdict: each rule below is `patient_check.assemble_fit`'s, `conditions.match_conditions`'s and
`patient.evaluate`'s, read as array operations (`tests/test_derived.py` compares them on every
real trial).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from trialtui.eligibility import check_data as cd
from trialtui.eligibility.conditions import _TYPO_CUTOFF, CONCEPTS, PatientCondition
from trialtui.eligibility.patient import FAILS, FITS, SEX_CONDITIONS, UNKNOWN, PatientProfile, _condition_holds
from trialtui.store.check_base import CheckRead, write_base
from trialtui.store.database import Database, StoreError
from trialtui.store.derived import read_ahead

HEAD = np.dtype([("flags", "<i8"), ("sex", "<i8"), ("healthy", "<i8"), ("names", "<i8"), ("ancestor_names", "<i8"),
                 ("limits", "<i8"), ("studied", "<u8", cd.WORDS), ("keywords", "<u8", cd.WORDS),
                 ("ancestors", "<u8", cd.WORDS), ("excluded", "<u8", cd.WORDS)])
_SEX_CONDITION_HASHES = [cd.term_hash(cd.CONDITION, condition) for condition in SEX_CONDITIONS]
"""The condition hashes of limits for one sex (`eligibility.patient.of_the_person`, with age)."""
LIMIT = np.dtype([("measure", "<i8"), ("measure_unit", "<i8"), ("condition", "<i8"), ("group", "<i8"),
                  ("value", "<f8"), ("flags", "<i8")])
assert HEAD.itemsize == cd.HEAD.size and LIMIT.itemsize == cd.LIMIT.size

VERDICTS = (FITS, UNKNOWN, FAILS)
"""A verdict code's word: 0 fits, 1 unknown, 2 fails (the worst of a trial's requirements wins)."""
_MATCHES, _UNKNOWN, _DIFFERS = 1, 2, 3
ROWS_CHUNK = 20_000
"""Rows read and decided at a time: a chunk is read into arrays and let go before the next, so a
whole library's rows are never Python objects at once."""
BASE_CHUNK = 50_000
"""Trials of the stored base decided at a time (the base is arrays already: this bounds the
temporary arrays of one decision)."""
REBASE_OVER = 20_000
"""A base with more trials written since is made again (from every row) by the next check."""
BASE_AT_IMPORT_FROM = 20_000
"""Trials from which the end of an import makes the base (`make_base`): in a smaller library the
first check reads every row in well under a second, and makes it then."""


PARTS = ("head", "names", "ancestors", "limits")
"""The parts of `Packed.words`, as the base stores them."""
_HEAD_WORDS = HEAD.itemsize // 8
_PART_WORDS = np.array([1, 1, LIMIT.itemsize // 8])
"""Words per item of a row's names, ancestors and limits."""


@dataclass(frozen=True)
class Packed:
    """Trials' check numbers split into their parts, as a chunk of rows reads and the library's
    base (`store.check_base`) stores them."""

    ids: list[str]
    head: np.ndarray
    names: np.ndarray
    ancestors: np.ndarray
    limits: np.ndarray

    @classmethod
    def of_rows(cls, rows: list[tuple[str, bytes]]) -> Packed:
        """From (trial id, `CheckData.numbers`) rows (a damaged row is left out: see `_split`)."""
        return cls(*_split(rows))

    def words(self) -> dict[str, np.ndarray]:
        """Each part as 8-byte words, as the base stores them."""
        return {"head": self.head.view("<i8"), "names": self.names, "ancestors": self.ancestors,
                "limits": self.limits.view("<i8")}


@dataclass(frozen=True)
class CheckColumns:
    """A chunk of library trials' check numbers, as columns."""

    ids: list[str]
    head: np.ndarray
    names: np.ndarray
    name_owner: np.ndarray
    ancestors: np.ndarray
    ancestor_owner: np.ndarray
    limits: np.ndarray
    limit_owner: np.ndarray
    studied: np.ndarray
    """The head's concept sets, each as `WORDS` contiguous rows of one word per trial (the
    condition match reads them a hundred times)."""
    keywords: np.ndarray
    ancestor_concepts: np.ndarray
    excluded: np.ndarray

    @classmethod
    def of(cls, pack: Packed) -> CheckColumns:
        head = pack.head
        owner = np.arange(len(pack.ids))
        return cls(pack.ids, head, pack.names, np.repeat(owner, head["names"]), pack.ancestors,
                   np.repeat(owner, head["ancestor_names"]), pack.limits, np.repeat(owner, head["limits"]),
                   *(np.ascontiguousarray(head[field].T) for field in ("studied", "keywords", "ancestors", "excluded")))


def _split(rows: list[tuple[str, bytes]]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The ids, heads, names, ancestors and limits of (trial id, numbers) rows: the rows' words
    joined, each word labelled with the part of its row it belongs to, each part taken out by one
    mask. A row whose length does not agree with its counts (a damaged one) is left out: that
    trial is checked on its record."""
    blobs = [row[1] for row in rows]
    sizes = np.fromiter(map(len, blobs), dtype=np.int64, count=len(blobs))
    whole = (sizes % 8 == 0) & (sizes >= HEAD.itemsize)
    if not whole.all():
        return _split([row for row, keep in zip(rows, whole.tolist(), strict=True) if keep])
    words = np.frombuffer(b"".join(blobs), dtype="<i8")
    sizes //= 8
    head = words[(np.cumsum(sizes) - sizes)[:, None] + np.arange(_HEAD_WORDS)].view(HEAD).ravel()
    counts = np.stack([head["names"], head["ancestor_names"], head["limits"]], axis=1)
    agree = (counts >= 0).all(axis=1) & (sizes == _HEAD_WORDS + counts @ _PART_WORDS)
    if not agree.all():
        return _split([row for row, keep in zip(rows, agree.tolist(), strict=True) if keep])
    part = np.repeat(np.tile(np.arange(4, dtype=np.int8), len(rows)),
                     np.column_stack([np.full(len(rows), _HEAD_WORDS), counts * _PART_WORDS]).ravel())
    return [row[0] for row in rows], head, words[part == 1], words[part == 2], words[part == 3].view(LIMIT)


def _words(concepts) -> np.ndarray:
    """A set of concepts as a column of `WORDS` words, to meet `CheckColumns.studied` and the like."""
    return np.array(cd.concept_words(concepts), dtype=np.uint64)[:, None]


def _meets(bits: np.ndarray, concepts) -> np.ndarray:
    """Per trial, whether its concept set in `bits` (`WORDS` rows) holds any of `concepts`."""
    hit = np.zeros(bits.shape[1], dtype=bool)
    for word, row in zip(cd.concept_words(concepts), bits, strict=True):
        if word:
            hit |= (row & np.uint64(word)) != 0
    return hit


class Terms:
    """The library's name and condition terms, and what the patient's conditions make of them,
    worked out once per check (not once per chunk)."""

    def __init__(self, read) -> None:
        self._read = read
        self._kinds: dict[int, tuple[np.ndarray, list[str], np.ndarray]] = {}
        self._same: dict[tuple[str, bool], np.ndarray] = {}
        self._holds: dict[int, bool | None] | None = None

    def of(self, kind: int) -> tuple[np.ndarray, list[str], np.ndarray]:
        """(hashes, texts, known) of one kind."""
        if kind not in self._kinds:
            rows = self._read(kind)
            self._kinds[kind] = (np.array([r[0] for r in rows], dtype=np.int64), [r[1] for r in rows],
                                 np.array([r[2] for r in rows], dtype=bool))
        return self._kinds[kind]

    def same_names(self, condition: PatientCondition) -> np.ndarray:
        """The hashes of the library's names that read as `condition` (`conditions._same_text`)."""
        key = (condition.words, bool(condition.concepts))
        if key not in self._same:
            known_hashes, texts, known = self.of(cd.NAME)
            if not texts:
                self._same[key] = known_hashes
                return known_hashes
            scores = process.cdist([condition.words], texts, scorer=fuzz.ratio, dtype=np.float64)[0]
            same = scores >= _TYPO_CUTOFF
            if not condition.concepts:
                inside = f" {condition.words} "
                same |= np.fromiter((inside in f" {t} " for t in texts), dtype=bool, count=len(texts))
            else:
                same &= ~known  # both named in the table: the table decides
            self._same[key] = known_hashes[same]
        return self._same[key]

    def condition_holds(self, profile: PatientProfile) -> dict[int, bool | None]:
        """Condition hash → whether it holds for the patient (None: not known), for the
        conditions the library's limits depend on."""
        if self._holds is None:
            hashes, texts, _ = self.of(cd.CONDITION)
            self._holds = {h: _condition_holds(profile, t) for h, t in zip(hashes.tolist(), texts, strict=True)}
        return self._holds


def _same_text(condition: PatientCondition, terms: Terms, hashes: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """Per trial, `conditions._same_text` of the patient's condition over these names."""
    if not len(hashes):
        return np.zeros(n, dtype=bool)
    hit = np.isin(hashes, terms.same_names(condition))
    return np.bincount(owner[hit], minlength=n) > 0


def _one(condition: PatientCondition, cols: CheckColumns, terms: Terms) -> np.ndarray:
    """Per trial, `conditions._one`: matches, unknown, or 0 (not studied)."""
    n = len(cols.ids)
    studied, keywords = cols.studied, cols.keywords
    out = np.zeros(n, dtype=np.int8)
    open_ = np.ones(n, dtype=bool)
    for p in condition.concepts:
        ancestors = CONCEPTS[p].ancestors
        lineage = ancestors | {p}
        exact = _meets(studied, {p})
        broader = studied & _words(ancestors)
        has_broader = broader.any(axis=0) & ~exact
        specific = np.zeros(n, dtype=bool)
        rows = np.flatnonzero(has_broader & open_)
        if len(rows):
            for t, concept in CONCEPTS.items():
                if t not in lineage and concept.ancestors & ancestors:
                    specific[rows] |= _meets(studied[:, rows], {t}) & _meets(broader[:, rows], concept.ancestors)
        narrower = _meets(studied, {t for t, c in CONCEPTS.items() if p in c.ancestors})
        keyword = _meets(keywords, {p})
        for decided, outcome in ((exact, _MATCHES), (has_broader & specific, _UNKNOWN),
                                 (has_broader, _MATCHES), (narrower, _UNKNOWN), (keyword, _MATCHES)):
            now = decided & open_
            out[now] = outcome
            open_ &= ~now
    if open_.any():
        same = _same_text(condition, terms, cols.names, cols.name_owner, n) & open_
        out[same] = _MATCHES
        open_ &= ~same
        kind = _same_text(condition, terms, cols.ancestors, cols.ancestor_owner, n)
        if condition.concepts:
            kind |= _meets(cols.ancestor_concepts, condition.concepts)
        out[kind & open_] = _UNKNOWN
    return out


def _conditions(profile: PatientProfile, cols: CheckColumns, terms: Terms) -> np.ndarray:
    """Per trial, `match_conditions`' outcome: matches, unknown or differs."""
    n = len(cols.ids)
    flags = cols.head["flags"]
    if not profile.diagnoses:
        return np.full(n, _UNKNOWN, dtype=np.int8)
    results = [_one(c, cols, terms) for c in profile.diagnoses]
    out = np.full(n, _DIFFERS, dtype=np.int8)
    out[np.logical_or.reduce([r == _UNKNOWN for r in results])] = _UNKNOWN
    out[np.logical_or.reduce([r == _MATCHES for r in results])] = _MATCHES
    out[(flags & cd.HEALTHY_ONLY) != 0] = _DIFFERS
    out[_meets(cols.excluded, frozenset().union(*(c.concepts for c in profile.diagnoses)))] = _DIFFERS
    out[(flags & cd.NO_TEXTS) != 0] = _UNKNOWN
    return out


def _limits(profile: PatientProfile, cols: CheckColumns, terms: Terms) -> tuple[np.ndarray, np.ndarray]:
    """Per trial, whether a limit fails, and whether one stays unknown (`patient.evaluate`)."""
    n, limits, owner = len(cols.ids), cols.limits, cols.limit_owner
    flags = limits["flags"]
    value = np.full(len(limits), np.nan)
    seen: set[int] = set()
    for measure, given in profile.labs.items():
        for lab in given:  # the first value in the limit's unit counts
            key = cd.term_hash(cd.NAME, f"{measure}\x1f{lab.unit}")
            if key not in seen:
                seen.add(key)
                value[limits["measure_unit"] == key] = lab.value
    age = (flags & cd.AGE) != 0
    value[age] = np.nan if profile.age is None else profile.age
    conditional = (flags & cd.CONDITIONAL) != 0
    holds = np.full(len(limits), -1, dtype=np.int8)  # -1: not known
    if conditional.any():
        table = terms.condition_holds(profile)
        keys, which = np.unique(limits["condition"][conditional], return_inverse=True)
        said = np.array([-1 if (held := table.get(key)) is None else int(held) for key in keys.tolist()], dtype=np.int8)
        holds[conditional] = said[which.ravel()]
    age_condition = (flags & cd.AGE_CONDITION) != 0
    of_the_person = age_condition | (conditional & np.isin(limits["condition"], _SEX_CONDITION_HASHES))
    replacing = np.flatnonzero(conditional & (holds == 1) & ~age_condition)
    replaced = np.zeros(len(limits), dtype=bool)
    if len(replacing):  # the unconditional limit gives way to a conditional one that applies
        _, measure = np.unique(limits["measure"], return_inverse=True)
        key = (owner * (int(measure.max()) + 1) + measure.ravel()) * 2 + (flags & cd.LOWER)
        replaced = ~conditional & np.isin(key, key[replacing])
    applicable = np.where(conditional, (holds == 1) | ((holds == -1) & of_the_person), ~replaced)
    lower, inclusive, limit = (flags & cd.LOWER) != 0, (flags & cd.INCLUSIVE) != 0, limits["value"]
    with np.errstate(invalid="ignore"):
        meets = np.where(lower, np.where(inclusive, value >= limit, value > limit),
                         np.where(inclusive, value <= limit, value < limit))
    unknown = applicable & (np.isnan(value) | (conditional & (holds == -1)) | ((flags & cd.UNREAD) != 0))
    fail = applicable & ~unknown & ~meets
    grouped = np.flatnonzero(applicable & (limits["group"] != 0))
    if len(grouped):  # in an OR-group one pass is enough; else an unknown member leaves it unknown
        _, group = np.unique(np.stack([owner[grouped], limits["group"][grouped]]), axis=1, return_inverse=True)
        group = group.ravel()
        passed = np.bincount(group[~(unknown | fail)[grouped]], minlength=group.max() + 1) > 0
        undecided = np.bincount(group[unknown[grouped]], minlength=group.max() + 1) > 0
        failing = grouped[fail[grouped]]
        failing_group = group[fail[grouped]]
        fail[failing[passed[failing_group]]] = False
        to_unknown = failing[~passed[failing_group] & undecided[failing_group]]
        fail[to_unknown] = False
        unknown[to_unknown] = True
    return (np.bincount(owner[fail], minlength=n) > 0), (np.bincount(owner[unknown], minlength=n) > 0)


def verdicts(profile: PatientProfile, cols: CheckColumns, terms: Terms) -> np.ndarray:
    """Every trial's verdict code (`VERDICTS`), as `assemble_fit` decides it."""
    head = cols.head
    condition = _conditions(profile, cols, terms)
    limit_fails, limit_unknown = _limits(profile, cols, terms)
    fails = (condition == _DIFFERS) | limit_fails
    unknown = limit_unknown.copy()
    restricted = head["sex"] != 0
    if profile.sex:
        fails |= restricted & (head["sex"] != cd.SEX_CODES.get(profile.sex, -1))
    else:
        unknown |= restricted
    only_healthy = (head["flags"] & cd.HEALTHY_ONLY) != 0
    if profile.healthy is True:
        fails |= ~only_healthy & (head["healthy"] == 0)
        unknown |= ~only_healthy & (head["healthy"] == cd.HEALTHY_UNSAID)
    elif profile.healthy is False:
        fails |= only_healthy & (condition != _DIFFERS)
    if profile.diagnoses:
        unknown |= condition == _UNKNOWN
    return np.where(fails, 2, np.where(unknown, 1, 0)).astype(np.int8)


def _decided(profile: PatientProfile, packs: Iterable[Packed], terms: Terms,
             stop: Callable[[], bool] | None) -> dict[str, str]:
    """Trial id → verdict word of these chunks of trials, each chunk decided before the next is
    taken (until `stop` returns True)."""
    ids: list[str] = []
    codes = [np.zeros(0, dtype=np.int8)]
    for pack in packs:
        if stop is not None and stop():
            break
        if not pack.ids:
            continue
        ids += pack.ids
        codes.append(verdicts(profile, CheckColumns.of(pack), terms))
    return dict(zip(ids, np.array(VERDICTS, dtype=object)[np.concatenate(codes)].tolist(), strict=True))


def _usable_base(read: CheckRead, size: int) -> tuple[Iterator[Packed], int] | None:
    """The library's stored base, `size` trials at a time, with the generation it covers; None
    if it is missing, stale, damaged, or so far behind that reading the trials written since
    costs more than making it again. Its heads are read and checked against its parts' lengths
    here; the rest is read a chunk at a time (the next on a thread meanwhile)."""
    try:
        base = read.base()
        if base is None or read.written_since(base.generation) > REBASE_OVER:
            return None
        if base.lengths.keys() != set(PARTS) or base.lengths["limits"] % _PART_WORDS[2]:
            raise ValueError("its parts are not the check's")
        head = base.words("head", 0, base.lengths["head"])
        if len(head) != len(base.ids) * _HEAD_WORDS:
            raise ValueError("its heads are cut short")
        head = head.view(HEAD)
        ends = {name: np.concatenate([[0], np.cumsum(head[field] * words)]) for name, field, words in
                (("names", "names", 1), ("ancestors", "ancestor_names", 1), ("limits", "limits", _PART_WORDS[2]))}
        if any((np.diff(end) < 0).any() or end[-1] != base.lengths[name] for name, end in ends.items()):
            raise ValueError("its counts disagree with its parts")
    except (ValueError, StoreError):  # damaged: the rows are read, and a new base is made of them
        return None

    def packs() -> Iterator[Packed]:
        for start in range(0, len(base.ids), size):
            stop = min(start + size, len(base.ids))
            names, ancestors, limits = (base.words(name, int(ends[name][start]), int(ends[name][stop]))
                                        for name in PARTS[1:])
            yield Packed(base.ids[start:stop], head[start:stop], names, ancestors, limits.view(LIMIT))

    return packs(), base.generation


def library_verdicts(profile: PatientProfile, db: Database, stop: Callable[[], bool] | None = None) -> dict[str, str]:
    """Trial id → verdict word of every library trial with fresh derived data, in one snapshot of
    the library read on a connection of its own: its stored base (`store.check_base`) and, on
    top, the trials written since (replacing their base entry; one without fresh rows is left
    out: it is checked on its record). Without a usable base every trial's rows are read, a
    chunk at a time (the next ones on a thread meanwhile), and a base is made of them for the
    next check. Reading ends early once `stop` returns True (the result is then partial)."""
    made = None
    with CheckRead(db) as read:
        terms = Terms(read.terms)
        if profile.diagnoses:
            terms.of(cd.NAME)
        terms.of(cd.CONDITION)
        base = _usable_base(read, BASE_CHUNK)
        if base is None:
            packs: list[Packed] = []
            rows = read_ahead(read.rows(chunk=ROWS_CHUNK), stop)
            found = _decided(profile, (packs.append(pack) or pack for pack in map(Packed.of_rows, rows)), terms, stop)
            if not (stop is not None and stop()):
                made = packs
        else:
            chunks, since = base
            found = _decided(profile, read_ahead(chunks, stop), terms, stop)
            for rows in read_ahead(read.rows(since=since, chunk=ROWS_CHUNK), stop):
                for trial_id, _ in rows:  # its base entry, if any, is an older version's
                    found.pop(trial_id, None)
                found.update(_decided(profile, [Packed.of_rows([row for row in rows if row[1] is not None])],
                                      terms, stop))
        generation, changes = read.generation, read.changes
    if made is not None:
        _keep(db, made, generation, changes)
    return found


def make_base(db: Database) -> bool:
    """Make the library's base of the check's numbers from every trial's rows when it has none
    usable and holds at least `BASE_AT_IMPORT_FROM` trials (what `trialtui import`, `fetch` and
    `update` do at their end, so the first check after them reads a base). True if one was made."""
    if db.problem is not None or db.query("SELECT count(*) FROM trials")[0][0] < BASE_AT_IMPORT_FROM:
        return False
    try:
        with CheckRead(db) as read:
            if _usable_base(read, BASE_CHUNK) is not None:
                return False
            made = [Packed.of_rows(rows) for rows in read_ahead(read.rows(chunk=ROWS_CHUNK))]
            generation, changes = read.generation, read.changes
    except StoreError:  # the import stands; the next check reads the rows and makes the base
        return False
    return _keep(db, made, generation, changes)


def _keep(db: Database, made: list[Packed], generation: int, changes: int) -> bool:
    """Store these chunks as the library's base (False if the library cannot be written now)."""
    if db.problem is not None:
        return False
    pieces = [pack.words() for pack in made]
    try:
        write_base(db, [trial_id for pack in made for trial_id in pack.ids],
                   {name: [words[name] for words in pieces] for name in PARTS}, generation, changes)
    except StoreError:  # not kept this time (the disk is full, say): the verdicts stand
        return False
    return True
