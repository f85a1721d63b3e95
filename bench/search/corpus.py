"""Benchmark corpora: the real records in ../shared/data, recombined up to registry size.

Copy k of a real trial gets a fresh NCT ID, and its drug, facility and city names are mutated
(a letter group swapped, a code number changed) so the vocabulary keeps growing with size as it
does in the real registry instead of repeating 8,000 trials' words. Titles and arm descriptions
follow the drug renames. Everything is seeded, so every run sees the same corpus.
"""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
import random
import re
from pathlib import Path

from trialtui.digest import DIGEST_FIELDS, TrialDigest, digest_trial

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
CACHE = ROOT / "bench" / ".cache"
SOURCES = (DATA / "ctgov-v2", DATA / "ctgov-legacy-xml-subset.tar.gz")
LAYOUT = hashlib.blake2b(",".join(DIGEST_FIELDS).encode(), digest_size=4).hexdigest()
"""In the cached corpora's names: pickled digests of another layout are never read back."""

_WORD = re.compile(r"[A-Za-z]{5,}|\d{2,}")
_SYLLABLES = ("ra", "lo", "ti", "ve", "mu", "zan", "cor", "pel", "dex", "nib", "sto", "qui", "fa")


def real_digests() -> list[TrialDigest]:
    """Every real record in ../shared/data (API v2 files and legacy XML), cached as digests."""
    cache = CACHE / f"real-digests-{LAYOUT}.pickle"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    from trialtui.ingest import load_paths

    result = load_paths([p for p in SOURCES if p.exists()])
    digests = sorted((digest_trial(t) for t in result.trials), key=lambda d: d.trial_id)
    CACHE.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps(digests, protocol=pickle.HIGHEST_PROTOCOL))
    return digests


def _mutate(name: str, rng: random.Random) -> str:
    """Change one word of a name the way new drug codes and site names differ from old ones."""
    words = list(_WORD.finditer(name))
    if not words:
        return name + f" {rng.randrange(100, 999)}"
    word = rng.choice(words)
    text = word.group()
    if text.isdigit():
        new = str(rng.randrange(10 ** (len(text) - 1), 10 ** len(text)))
    else:
        cut = rng.randrange(2, len(text) - 1)
        new = text[:cut] + rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES) + text[cut + 1:]
        if text[0].isupper():
            new = new[0].upper() + new[1:]
    return name[:word.start()] + new + name[word.end():]


def expand(real: list[TrialDigest], size: int, seed: int = 7) -> list[TrialDigest]:
    """`size` trials: the real ones, then mutated copies of them in turn."""
    rng = random.Random(seed)
    out = list(real[:size])
    copy = 0
    while len(out) < size:
        copy += 1
        for base in real:
            if len(out) >= size:
                break
            renamed = {d: _mutate(d, rng) for d in base.drugs if rng.random() < 0.6}
            title, texts = base.title, base.drug_text
            for old, new in renamed.items():
                title = title.replace(old, new)
                texts = tuple(t.replace(old, new) for t in texts)
            trial_id = f"NCT9{copy:03d}{len(out) % 10000:04d}"
            out.append(dataclasses.replace(
                base,
                trial_id=trial_id,
                ids=(trial_id, *base.ids[1:]),
                title=title,
                drug_text=texts,
                drugs=tuple(renamed.get(d, d) for d in base.drugs),
                facilities=tuple(_mutate(f, rng) if rng.random() < 0.5 else f for f in base.facilities),
                cities=tuple(_mutate(c, rng) if rng.random() < 0.15 else c for c in base.cities),
            ))
    return out


def corpus(size: int) -> list[TrialDigest]:
    """The `size`-trial corpus, cached under bench/.cache/ (building 570k takes a while)."""
    cache = CACHE / f"corpus-{size}-{LAYOUT}.pickle"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    digests = expand(real_digests(), size)
    CACHE.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps(digests, protocol=pickle.HIGHEST_PROTOCOL))
    return digests
