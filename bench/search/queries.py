"""Query sets built from the real records: seeded, so every run asks the same questions.

Latency: drug names, site names and drug + city, each clean and with a typo.
Quality: one intended trial per query, named by something specific to it (a drug or facility
used by at most three real trials, or a drug + one of its cities), then damaged the way people
type: a substitution, a deletion, a transposition, a half-typed word, a slip in any word
(short ones too: "Ctr", "acid"). success@10 counts the queries whose intended trial is in the
first ten hits.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass

from trialtui.digest import TrialDigest

_LONG_WORD = re.compile(r"[A-Za-z]{5,}")
_GENERIC = re.compile(r"placebo|saline|standard|control|usual|sham|vehicle|group|arm|therapy|"
                      r"surgery|hospital|university|center|centre|clinic|research|medical|site",
                      re.IGNORECASE)


@dataclass(frozen=True)
class Case:
    kind: str
    query: str
    target: str


def typo(text: str, rng: random.Random, how: str) -> str:
    """One edit in the longest word of `text` (never its first letter)."""
    words = list(_LONG_WORD.finditer(text))
    if not words:
        return text
    word = max(words, key=lambda m: len(m.group()))
    w = word.group()
    at = rng.randrange(1, len(w) - 1)
    if how == "substitution":
        new = w[:at] + rng.choice("aeioustrnl".replace(w[at].lower(), "")) + w[at + 1:]
    elif how == "deletion":
        new = w[:at] + w[at + 1:]
    else:  # transposition
        new = w[:at] + w[at + 1] + w[at] + w[at + 2:]
    return text[:word.start()] + new + text[word.end():]


_ANY_WORD = re.compile(r"[A-Za-z]{4,}")


def typo_anywhere(text: str, rng: random.Random) -> str:
    """One edit (any of the four) in a word of 4+ letters picked at random: a slip in "Ctr",
    "Team" or "acid" as much as in the long name."""
    words = list(_ANY_WORD.finditer(text))
    if not words:
        return text
    word = rng.choice(words)
    w = word.group()
    at = rng.randrange(1, len(w) - 1)
    how = rng.choice(["substitution", "deletion", "transposition", "insertion"])
    if how == "substitution":
        new = w[:at] + rng.choice("aeioustrnl".replace(w[at].lower(), "")) + w[at + 1:]
    elif how == "deletion":
        new = w[:at] + w[at + 1:]
    elif how == "transposition":
        new = w[:at] + w[at + 1] + w[at] + w[at + 2:]
    else:
        new = w[:at] + rng.choice("aeioustrnl") + w[at:]
    return text[:word.start()] + new + text[word.end():]


def partial(text: str, rng: random.Random) -> str:
    """A name cut short inside a word, as while typing."""
    words = list(_LONG_WORD.finditer(text))
    if not words:
        return text
    word = words[-1] if len(words) < 3 else words[rng.randrange(1, len(words))]
    keep = max(4, round(len(word.group()) * rng.uniform(0.5, 0.8)))
    return text[:word.start() + keep]


def _specific(digests: list[TrialDigest], field: str) -> dict[str, list[TrialDigest]]:
    users: dict[str, list[TrialDigest]] = {}
    for d in digests:
        for name in dict.fromkeys(n.lower() for n in getattr(d, field)):
            users.setdefault(name, []).append(d)
    return users


def quality_cases(digests: list[TrialDigest], count: int = 660, seed: int = 11) -> list[Case]:
    """`count` queries, each with the one trial it is meant to find."""
    rng = random.Random(seed)
    cases: list[Case] = []
    drugs = _specific(digests, "drugs")
    sites = _specific(digests, "facilities")
    specific_drugs = [(n, ds) for n, ds in drugs.items()
                      if len(ds) <= 3 and _LONG_WORD.search(n) and not _GENERIC.search(n) and len(n) < 40]
    specific_sites = [(n, ds) for n, ds in sites.items()
                      if len(ds) <= 3 and _LONG_WORD.search(n) and len(n) < 60]
    common_drugs = [(n, ds) for n, ds in drugs.items()
                    if 3 < len(ds) and _LONG_WORD.search(n) and not _GENERIC.search(n)]
    specific_drugs.sort()
    specific_sites.sort()
    common_drugs.sort()
    kinds = ["drug", "drug substitution", "drug deletion", "drug transposition", "drug partial",
             "drug typo anywhere", "site substitution", "site transposition", "site partial",
             "site typo anywhere", "drug + city"]
    while len(cases) < count:
        kind = kinds[len(cases) % len(kinds)]
        if kind == "drug + city":
            name, users = rng.choice(common_drugs)
            target = rng.choice(users)
            cities = [c for c in target.cities if _LONG_WORD.search(c)]
            if not cities:
                continue
            city = rng.choice(cities)
            if sum(1 for d in users if city in d.cities) > 3:
                continue
            query = f"{typo(name, rng, rng.choice(['substitution', 'transposition']))} {city}"
        else:
            pool = specific_drugs if kind.startswith("drug") else specific_sites
            name, users = rng.choice(pool)
            target = rng.choice(users)
            how = kind.split()[-1]
            original = next(v for v in (target.drugs if kind.startswith("drug") else target.facilities)
                            if v.lower() == name)
            if how == "partial":
                query = partial(original, rng)
            elif how == "anywhere":
                query = typo_anywhere(original, rng)
            elif how in ("substitution", "deletion", "transposition"):
                query = typo(original, rng, how)
            else:
                query = original
        cases.append(Case(kind, query, target.trial_id))
    return cases


def latency_queries(digests: list[TrialDigest], seed: int = 5) -> list[tuple[str, str]]:
    """(kind, query): drug, site and mixed queries, clean and with a typo, ~200 in all."""
    rng = random.Random(seed)
    drugs = sorted(n for n, c in Counter(d for t in digests for d in t.drugs).items()
                   if _LONG_WORD.search(n) and not _GENERIC.search(n) and len(n) < 40)
    cities = sorted({c for t in digests for c in t.cities if _LONG_WORD.search(c)})
    sites = sorted({f for t in digests for f in t.facilities if _LONG_WORD.search(f) and len(f) < 60})
    out: list[tuple[str, str]] = []
    for _ in range(35):
        for kind, pool in (("drug", drugs), ("site", sites), ("city", cities)):
            name = rng.choice(pool)
            out.append((kind, name))
            out.append((kind + " typo", typo(name, rng, rng.choice(["substitution", "transposition"]))))
    for _ in range(30):
        trial = rng.choice([t for t in digests if t.drugs and t.cities])
        drug, city = rng.choice(trial.drugs), rng.choice(trial.cities)
        out.append(("drug + city", f"{drug} {city}"))
        out.append(("drug + city typo", f"{typo(drug, rng, 'deletion')} {city}"))
    return out
