"""Country names as people type them: "USA", "U.S.", "UK", "GB", "DEU", "Deutschland", "germny".

Records spell one country several ways ("Czechia" and "Czech Republic", "Korea, Republic of" and
"South Korea"), so a country filter stands for a group of names. A typed name is read as a known
alias, then as an ISO 3166 code ("GB", "GBR"), then as a name the library itself lists, then as
the closest such name (rapidfuzz); `CountryChoice` says which, so the CLI and the filter dialog
can tell the user what they got.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from trialtui.country_codes import COUNTRY_CODES

_GROUPS = (
    ("United States", "USA", "US", "U.S.", "U.S.A.", "United States of America", "America"),
    ("United Kingdom", "UK", "U.K.", "Great Britain", "Britain", "England", "Scotland", "Wales",
     "Northern Ireland"),
    ("Germany", "Deutschland"),
    ("France", "République française"),
    ("Spain", "España"),
    ("Italy", "Italia"),
    ("Netherlands", "The Netherlands", "Holland", "Nederland"),
    ("Switzerland", "Schweiz", "Suisse", "Svizzera"),
    ("Austria", "Österreich"),
    ("Belgium", "België", "Belgique"),
    ("Brazil", "Brasil"),
    ("Poland", "Polska"),
    ("Sweden", "Sverige"),
    ("Denmark", "Danmark"),
    ("Norway", "Norge"),
    ("Finland", "Suomi"),
    ("Greece", "Hellas"),
    ("Czechia", "Czech Republic"),
    ("Russia", "Russian Federation"),
    ("Iran", "Iran, Islamic Republic of"),
    ("South Korea", "Korea, Republic of", "Republic of Korea", "Korea"),
    ("North Korea", "Korea, Democratic People's Republic of"),
    ("Turkey", "Turkey (Türkiye)", "Türkiye"),
    ("China", "People's Republic of China", "PRC", "Mainland China"),
    ("Taiwan", "Taiwan, Province of China"),
    ("Vietnam", "Viet Nam"),
    ("North Macedonia", "Macedonia", "Macedonia, The Former Yugoslav Republic of"),
    ("Côte d'Ivoire", "Ivory Coast"),
    ("Tanzania", "Tanzania, United Republic of"),
    ("Syria", "Syrian Arab Republic"),
    ("Moldova", "Moldova, Republic of"),
    ("Laos", "Lao People's Democratic Republic"),
    ("Palestine", "Palestinian Territories, Occupied", "Palestinian Territory, Occupied", "State of Palestine"),
    ("Democratic Republic of the Congo", "Congo, The Democratic Republic of the", "DR Congo", "DRC"),
    ("United Arab Emirates", "UAE"),
    ("New Zealand", "Aotearoa"),
)
"""Each country's usual English name first, then the other names it goes by (the registry's own
spellings among them)."""

_CLOSE = 80
"""rapidfuzz ratio (0-100) from which a typed name is taken for a known one ("germny" → Germany)."""
_SHORT = 3
"""Names this short ("US", "UK") are read only as typed: too short to guess a typo in."""

_PUNCTUATION = re.compile(r"[^\w\s]")


def country_key(name: str) -> str:
    """A name compared loosely: lower case, no accents, no punctuation ("U.S.A." → "usa")."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c))
    return " ".join(_PUNCTUATION.sub("", plain).split())


_GROUP_OF = {country_key(name): group for group in _GROUPS for name in group}


def same_country(name: str) -> frozenset[str]:
    """The keys of every name `name`'s country goes by (just its own if none is known)."""
    key = country_key(name)
    group = _GROUP_OF.get(key)
    return frozenset(map(country_key, group)) if group else frozenset({key})


def display_country(name: str) -> str:
    """A country's usual name: a known alias's first name, else `name` with its words capitalised."""
    group = _GROUP_OF.get(country_key(name))
    if group:
        return group[0]
    small = {"of", "the", "and"}
    words = name.split()
    return " ".join(w if (i and w in small) or not w[:1].islower() else w[:1].upper() + w[1:]
                    for i, w in enumerate(words))


@dataclass(frozen=True)
class CountryChoice:
    """What a typed country name was read as."""

    typed: str
    country: str | None
    """The country's usual name (`display_country`); None when nothing is close."""
    how: str
    """"same" (as typed, or a spelling of it), "alias" ("USA"), "closest" (a typo), or "none"."""
    candidates: tuple[str, ...] = ()
    """When nothing is close: the nearest names the library lists, best first."""


def resolve_country(typed: str, known: Iterable[str]) -> CountryChoice:
    """Read `typed` as a country, given the names the library lists (`known`, any spelling)."""
    key = country_key(typed)
    names = {country_key(name): name for name in known}
    names.pop("", None)
    if not key:
        return CountryChoice(typed, None, "none")
    if key in _GROUP_OF:
        group = _GROUP_OF[key]
        return CountryChoice(typed, group[0], "same" if key == country_key(group[0]) or key in names else "alias")
    if key.upper() in COUNTRY_CODES:
        return CountryChoice(typed, display_country(COUNTRY_CODES[key.upper()]), "alias")
    if key in names:
        return CountryChoice(typed, display_country(names[key]), "same")
    if len(key) > _SHORT:
        choices = {**names, **{k: group[0] for k, group in _GROUP_OF.items() if len(k) > _SHORT}}
        found = process.extractOne(key, list(choices), scorer=fuzz.ratio, score_cutoff=_CLOSE)
        if found:
            return CountryChoice(typed, display_country(choices[found[0]]), "closest")
    near = process.extract(key, list(names), scorer=fuzz.WRatio, limit=3, score_cutoff=50)
    return CountryChoice(typed, None, "none", tuple(display_country(names[k]) for k, _, _ in near))


def complete_country(typed: str, known: Iterable[str]) -> str | None:
    """The first known name (or alias) that starts with `typed`, for completion as one types."""
    start = typed.casefold()
    if not start.strip():
        return None
    names = sorted({*known, *(name for group in _GROUPS for name in group)}, key=lambda n: (len(n), n))
    return next((name for name in names if name.casefold().startswith(start)), None)
