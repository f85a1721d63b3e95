"""Text folding and tokenising shared by the index, the query parser and highlighting.

Everything the user can type differently is folded away: case, accents ("Zürich" → "zurich"),
ligatures and punctuation. Words joined by punctuation ("Yat-sen", "GD2/B7H3", "CNK-UT") also yield
their glued form ("yatsen", "gd2b7h3", "cnkut") so either spelling finds them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from itertools import compress, repeat

import numpy as np

from trialtui.search.bulk import _ranges, number_all
from trialtui.search.distinct import distinct_words

TOKEN = re.compile(r"[^\W_]+")
"""A folded word: letters and digits of any script."""

_JOINED = re.compile(r"(?<![^\W_])[^\W_]+(?:[-/.'_+][^\W_]+)+")
"""Words glued by punctuation; starts only at a word's start (else `re` retries every letter)."""
UNJOIN = str.maketrans("", "", "-/.'_+")
"""Deletes the punctuation that glues words, for substring tests against glued terms."""
_NON_ASCII_RUN = re.compile(r"[\x80-\U0010ffff]+")
"""A range rather than its complement: `re` tests it faster."""
_ORIGINAL_RUN = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+")
_RUN_JOINED = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+(?:[-/.'_+’](?:[^\W_]|[\u0300-\u036f])+)+")

STOPWORDS = frozenset(
    "a an and are as at be by for from in into is of on or the to with without".split()
)
"""Words too common to index: they would cost a posting in nearly every trial and rank nothing."""


class _FoldTable(dict):
    """A `str.translate` table for non-ASCII text that fills itself one character at a time."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if char.isascii():
            folded = char
        elif unicodedata.combining(char):
            folded = ""
        elif char in "’‘`´":
            folded = "'"
        else:
            decomposed = unicodedata.normalize("NFKD", char.casefold()).lower()  # "™" → "TM" → "tm"
            folded = "".join(c for c in decomposed if c.isalnum()) or " "
        self[code] = folded
        return folded


_FOLD = _FoldTable({ord("ß"): "ss", ord("æ"): "ae", ord("œ"): "oe", ord("ø"): "o", ord("đ"): "d",
                    ord("ł"): "l", ord("ı"): "i", ord("þ"): "th"})


def fold(text: str) -> str:
    """Lower-case, strip accents; punctuation stays so `terms` can glue joined words."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    return _NON_ASCII_RUN.sub(_fold_run, lowered)


def _fold_run(match: re.Match[str]) -> str:
    return match.group().translate(_FOLD)


def words(text: str) -> list[str]:
    """The folded words of `text` in order (no glued forms)."""
    return TOKEN.findall(fold(text))


_JOINERS = "-/.'_+"
_MARK = "\x00"
"""Stands alone between two texts tokenised together (`tokenized`): both tables keep it."""
_BETWEEN = f" {_MARK} "
_ENCODED_MARK, _ENCODED_BETWEEN = _MARK.encode(), _BETWEEN.encode()
_WORD, _MARK_KIND, _STOPWORD = 0, 1, 2
_KINDS = {_MARK: _MARK_KIND, **dict.fromkeys(STOPWORDS, _STOPWORD)}
"""What `tokenized` tells apart among the words in one pass: marks, stopwords, the rest."""
_WORD_TABLE = bytes(c if c >= 0x80 else ord(chr(c).lower() if chr(c).isalnum() or chr(c) == _MARK else " ")
                    for c in range(256))
"""For UTF-8 bytes: ASCII letters and digits lower-cased, every other ASCII character a space,
the bytes of other characters kept (after `fold`, each is a letter or digit): `split` then gives
`TOKEN`s."""
_CHUNK_TABLE = bytes(c if c >= 0x80 or chr(c) in _JOINERS else _WORD_TABLE[c] for c in range(256))
"""As `_WORD_TABLE` but keeping the joiners, which glue words (`_glued`)."""
_GLUE_KINDS = bytes(1 if c >= 0x80 or chr(c).isalnum() else 2 if chr(c) in _JOINERS else 0 for c in range(256))
"""For `_CHUNK_TABLE`'s output: 1 for a byte of a word (an ASCII letter or digit, or any byte of
another character: after `fold`, each is a letter or digit), 2 for a joiner, 0 for the rest."""


def terms(text: str) -> set[str]:
    """Every indexable term of `text`: its words minus stopwords, plus punctuation-glued forms."""
    return set(tokenized([text])[0])


def tokenized(texts: Sequence[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The `terms` of many texts at once, for the index: every text's terms one text after
    another (with repeats), the text each comes from, and each text's word count
    (``len(words(text))``).

    The texts are folded (only non-ASCII ones need it: the tables lower-case ASCII), joined
    between marks, and their UTF-8 bytes translated once making every non-word character a
    space: a split gives the words (`_glued` finds the glued forms).
    No object per text but strings: many containers would wake the cycle collector over and over.
    """
    encoded = _encoded(texts)
    words = encoded.translate(_WORD_TABLE).decode().split()
    kinds = np.fromiter(map(_KINDS.get, words, repeat(_WORD)), np.int8, len(words))
    marks = kinds == _MARK_KIND
    owners = np.cumsum(marks)
    spelled, glued_owners = _glued(encoded)
    glued = spelled.decode().split(" ")[:-1]
    glued_kept = ~np.fromiter(map(STOPWORDS.__contains__, glued), bool, len(glued))
    kept = kinds == _WORD
    return (list(compress(words, kept)) + list(compress(glued, glued_kept)),
            np.concatenate((owners[kept], glued_owners[glued_kept])), np.bincount(owners[~marks], minlength=len(texts)))


_NOT_TERMS = {_MARK: 0, **{word: number for number, word in enumerate(sorted(STOPWORDS), 1)}}
"""The words that `numbered` tells apart from terms: the mark 0, stopwords above."""


_GROUP_BYTES = 1 << 22
"""Text that `numbered` tells the words of apart at once: several batches' fixed numpy cost
becomes one, while the arrays of a word each stay a small multiple of this."""


def numbered(batches: Iterable[Sequence[str]], ids: dict[str, int]) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """`tokenized` of each batch of texts with each term as its number in `ids`, new terms
    numbered in order of first sight (as `bulk.number_all` over the batches' `tokenized` terms,
    one batch after another, numbers them), for a build. The batches are read in groups of about
    `_GROUP_BYTES` (`_numbered_group`); a batch's numbers are given once its group is read."""
    group: list[tuple[int, bytes, bytes, np.ndarray]] = []
    size = 0
    for texts in batches:
        encoded = _encoded(texts)
        glued, glued_owners = _glued(encoded)
        group.append((len(texts), encoded.translate(_WORD_TABLE), glued, glued_owners))
        size += len(encoded) + len(glued)
        if size >= _GROUP_BYTES:
            yield from _numbered_group(group, ids)
            group, size = [], 0
    yield from _numbered_group(group, ids)


def _numbered_group(group: list[tuple[int, bytes, bytes, np.ndarray]],
                    ids: dict[str, int]) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """`numbered` for a few batches, each given as its text count, its words (`_WORD_TABLE`
    bytes), its glued forms (`_glued`) and their owners. Every batch's words and then glued
    forms, one after another, are told apart in one pass without a string each
    (`distinct.distinct_words`): their first sight is the order the terms are numbered in. Only
    the distinct ones are made strings, told from marks and stopwords and looked up in `ids`."""
    if not group:
        return
    parts = [part for _, words, glued, _ in group for part in (words, glued)]
    codes, words, starts = distinct_words(b" ".join(parts))
    ends = np.cumsum([len(part) + 1 for part in parts])  # each part and the space after it
    cuts = [0, *np.searchsorted(starts, ends).tolist()]  # each part's first word
    not_terms = np.fromiter(map(_NOT_TERMS.get, words, repeat(-1)), np.int64, len(words))
    is_term = not_terms < 0
    term_of = np.zeros(len(words), np.int64)
    term_of[is_term] = number_all(list(compress(words, is_term)), ids)[0]
    is_mark = not_terms == 0
    for at, (count, _, _, glued_owners) in enumerate(group):
        word_codes = codes[cuts[2 * at]:cuts[2 * at + 1]]
        glued_codes = codes[cuts[2 * at + 1]:cuts[2 * at + 2]]
        marks = is_mark[word_codes]
        owners = np.cumsum(marks)
        kept, glued_kept = is_term[word_codes], is_term[glued_codes]
        yield (np.concatenate((term_of[word_codes[kept]], term_of[glued_codes[glued_kept]])),
               np.concatenate((owners[kept], glued_owners[glued_kept])), np.bincount(owners[~marks], minlength=count))


def _encoded(texts: Sequence[str]) -> bytes:
    """The texts folded (only non-ASCII ones need it: the tables lower-case ASCII) and joined
    between marks, as UTF-8. Each text is encoded alone: one wide character (a CJK name) would
    make the whole joined text wide, and its encoding several times slower."""
    texts = list(texts)
    wide = [at for at, plain in enumerate(map(str.isascii, texts)) if not plain]
    if wide:  # folded in one call, between marks: they end a final sigma's context as a text's end does
        folded = fold(_MARK.join([texts[at] for at in wide])).split(_MARK)
        if len(folded) != len(wide):  # a text holds the mark itself: each folded alone
            folded = [fold(texts[at]) for at in wide]
        for at, text in zip(wide, folded, strict=True):
            texts[at] = text
    joined = _ENCODED_BETWEEN.join(map(str.encode, texts))
    if joined.count(_ENCODED_MARK) != len(texts) - 1:  # a text holds the mark itself: a space to it
        joined = _ENCODED_BETWEEN.join(text.replace(_MARK, " ").encode() for text in texts)
    return joined


def _glued(encoded: bytes) -> tuple[bytes, np.ndarray]:
    """The glued forms of `_encoded` texts (stopwords among them), each followed by a space,
    and the text each comes from.

    Found as `_JOINED` finds them, with numpy over the bytes translated keeping the joiners: the
    runs of word bytes, and among them the chains of two or more that one joiner each links,
    put back to back.
    """
    spelled = b" " + encoded.translate(_CHUNK_TABLE) + b" "
    kinds = np.frombuffer(spelled.translate(_GLUE_KINDS), np.uint8)
    in_word = kinds == 1
    edges = np.flatnonzero(in_word[1:] != in_word[:-1]) + 1
    starts, ends = edges[0::2], edges[1::2]
    linked = (starts[1:] == ends[:-1] + 1) & (kinds[ends[:-1]] == 2)  # run r and r + 1 one joiner apart
    to_next, from_last = np.zeros(len(starts), bool), np.zeros(len(starts), bool)
    to_next[:-1] = from_last[1:] = linked
    runs = np.flatnonzero(to_next | from_last)
    lengths, closes = (ends - starts)[runs], (from_last & ~to_next)[runs]
    places = np.cumsum(lengths) - lengths + np.cumsum(closes) - closes  # each form's runs, a space after it
    joined = np.full(int(lengths.sum()) + int(closes.sum()), ord(" "), np.uint8)
    joined[_ranges(places, lengths)] = np.frombuffer(spelled, np.uint8)[_ranges(starts[runs], lengths)]
    marks = np.flatnonzero(np.frombuffer(spelled, np.uint8) == ord(_MARK))
    return joined.tobytes(), np.searchsorted(marks, starts[to_next & ~from_last])  # the marks before a form's first run


def token_spans(text: str) -> Iterator[tuple[str, int, int, bool]]:
    """``(folded term, start, end, glued)`` for each word and glued form of the original `text`.

    Offsets point into `text` itself, so a match can be highlighted where the user sees it.
    """
    if text.isascii():
        lowered = text.lower()
        for match in TOKEN.finditer(lowered):
            yield match.group(), match.start(), match.end(), False
        if _JOINED.search(lowered):
            for match in _JOINED.finditer(lowered):
                yield match.group().translate(UNJOIN), match.start(), match.end(), True
        return
    for match in _ORIGINAL_RUN.finditer(text):
        folded = "".join(TOKEN.findall(fold(match.group())))
        if folded:
            yield folded, match.start(), match.end(), False
    for match in _RUN_JOINED.finditer(text):
        folded = "".join(TOKEN.findall(fold(match.group())))
        if folded:
            yield folded, match.start(), match.end(), True
