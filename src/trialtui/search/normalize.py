"""Text folding and tokenising shared by the index, the query parser and highlighting.

Everything the user can type differently is folded away: case, accents ("Zürich" → "zurich"),
ligatures and punctuation. Words joined by punctuation ("Yat-sen", "GD2/B7H3", "CNK-UT") also yield
their glued form ("yatsen", "gd2b7h3", "cnkut") so either spelling finds them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

TOKEN = re.compile(r"[^\W_]+")
"""A folded word: letters and digits of any script."""

_JOINED = re.compile(r"(?<![^\W_])[^\W_]+(?:[-/.'_+][^\W_]+)+")
"""Words glued by punctuation; starts only at a word's start (else `re` retries every letter)."""
_RUN = re.compile(r"[^\W_]+(?:[-/.'_+][^\W_]+)*")
"""A word with any words glued to it: one match per run, so no run is rescanned from inside."""
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
_WORD_TABLE = str.maketrans({chr(c): chr(c).lower() if chr(c).isalnum() else " " for c in range(128)})
"""ASCII: letters and digits lower-cased, everything else a space: `split` then gives `TOKEN`s."""
_CHUNK_TABLE = str.maketrans({chr(c): chr(c).lower() if chr(c).isalnum() or chr(c) in _JOINERS else " "
                              for c in range(128)})
"""As `_WORD_TABLE` but keeping the joiners: a chunk that is not a word holds glued words."""


def terms(text: str) -> set[str]:
    """Every indexable term of `text`: its words minus stopwords, plus punctuation-glued forms.

    ASCII text (nearly all of it) is split by `str.translate` and `split`, several times faster
    than a regex; only the few chunks with joiners go through `_RUN`.
    """
    if text.isascii():
        found = set(text.translate(_WORD_TABLE).split())
        if "-" in text or "/" in text or "." in text or "'" in text or "_" in text or "+" in text:
            for chunk in set(text.translate(_CHUNK_TABLE).split()).difference(found):
                found.update(run.translate(UNJOIN) for run in glued_runs(chunk))
    else:
        found = set(_RUN.findall(fold(text)))
        joined = [run for run in found if not run.isalnum()]
        if joined:
            found.difference_update(joined)
            for run in joined:
                found.update(TOKEN.findall(run))
                found.add(run.translate(UNJOIN))
    found.difference_update(STOPWORDS)
    return found


def glued_runs(text: str) -> list[str]:
    """The runs of words glued by punctuation in folded `text` ("yat-sen", "gd2/b7h3")."""
    return [run for run in _RUN.findall(text) if not run.isalnum()]


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
