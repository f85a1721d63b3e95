"""Text folding and tokenising shared by the index, the query parser and highlighting.

Everything the user can type differently is folded away: case, accents ("Zürich" → "zurich"),
ligatures and punctuation. Words joined by punctuation ("Yat-sen", "GD2/B7H3", "CNK-UT") also yield
their glued form ("yatsen", "gd2b7h3", "cnkut") so either spelling finds them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from itertools import compress, filterfalse, repeat

import numpy as np

TOKEN = re.compile(r"[^\W_]+")
"""A folded word: letters and digits of any script."""

_JOINED = re.compile(r"(?<![^\W_])[^\W_]+(?:[-/.'_+][^\W_]+)+")
"""Words glued by punctuation; starts only at a word's start (else `re` retries every letter)."""
UNJOIN = str.maketrans("", "", "-/.'_+")
"""Deletes the punctuation that glues words, for substring tests against glued terms."""
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
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
_WORD, _MARK_KIND, _STOPWORD = 0, 1, 2
_KINDS = {_MARK: _MARK_KIND, **dict.fromkeys(STOPWORDS, _STOPWORD)}
"""What `tokenized` tells apart among the words in one pass: marks, stopwords, the rest."""
_GLUED_OR_MARK = re.compile(f"{_JOINED.pattern}|{_MARK}")
_WORD_TABLE = bytes(c if c >= 0x80 else ord(chr(c).lower() if chr(c).isalnum() or chr(c) == _MARK else " ")
                    for c in range(256))
"""For UTF-8 bytes: ASCII letters and digits lower-cased, every other ASCII character a space,
the bytes of other characters kept (after `fold`, each is a letter or digit): `split` then gives
`TOKEN`s."""
_CHUNK_TABLE = bytes(c if c >= 0x80 or chr(c) in _JOINERS else _WORD_TABLE[c] for c in range(256))
"""As `_WORD_TABLE` but keeping the joiners: a chunk that is not a word holds glued words."""


def terms(text: str) -> set[str]:
    """Every indexable term of `text`: its words minus stopwords, plus punctuation-glued forms."""
    return set(tokenized([text])[0])


def tokenized(texts: Sequence[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The `terms` of many texts at once, for the index: every text's terms one text after
    another (with repeats), the text each comes from, and each text's word count
    (``len(words(text))``).

    The texts are folded (only non-ASCII ones need it: the tables lower-case ASCII), joined
    between marks, and their UTF-8 bytes translated twice, once making every non-word character
    a space, once keeping the joiners too: the first split gives the words; of the second, only
    the chunks that are not all letters and digits (they hold joiners, or are marks) are searched
    for glued runs, in one regex pass over far less text than the whole.
    No object per text but strings: many containers would wake the cycle collector over and over.
    """
    texts = list(texts)
    for at in [at for at, plain in enumerate(map(str.isascii, texts)) if not plain]:
        texts[at] = fold(texts[at])
    joined = _BETWEEN.join(texts)
    if joined.count(_MARK) != len(texts) - 1:  # a text holds the mark itself: a space to it
        joined = _BETWEEN.join(text.replace(_MARK, " ") for text in texts)
    encoded = joined.encode()
    words = encoded.translate(_WORD_TABLE).decode().split()
    kinds = np.fromiter(map(_KINDS.get, words, repeat(_WORD)), np.int8, len(words))
    marks = kinds == _MARK_KIND
    owners = np.cumsum(marks)
    counts = np.bincount(owners[~marks], minlength=len(texts))
    chunks = filterfalse(str.isalnum, encoded.translate(_CHUNK_TABLE).decode().split())
    glued = _GLUED_OR_MARK.findall(" ".join(chunks))  # marks part texts
    glued_marks = np.fromiter(map(_MARK.__eq__, glued), bool, len(glued))
    glued_owners = np.cumsum(glued_marks)[~glued_marks]
    glued = " ".join(compress(glued, ~glued_marks)).translate(UNJOIN).split(" ") if len(glued_owners) else []
    kept = np.concatenate((kinds == _WORD, ~np.fromiter(map(STOPWORDS.__contains__, glued), bool, len(glued))))
    return list(compress(words + glued, kept)), np.concatenate((owners, glued_owners))[kept], counts


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
