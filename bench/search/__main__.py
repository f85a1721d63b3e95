"""`python -m bench.search [--quick] [--sizes N ...]`: print the latency and quality tables."""

from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

from rapidfuzz import fuzz, process, utils

from bench.search.corpus import corpus, real_digests
from bench.search.queries import latency_queries, quality_cases
from trialtui.search import SearchIndex

COMPETITOR_QUERIES = 12
"""rapidfuzz and fzf scan every trial per query: time them on a sample, not the full list; past
100k trials a smaller one (3 at 570k: fzf alone takes minutes a query there), each cell says how many."""
COMPETITOR_EVERY = 5
"""...and judge their quality on every fifth quality query (rapidfuzz needs ~1 s a query);
coprime with the eleven query kinds, so the sample holds every kind."""


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def flat(d) -> str:
    """One string per trial, what a naive fuzzy matcher (or fzf over a dump) is given."""
    return " ".join([d.trial_id, d.title, *d.ids, *d.drugs, *d.conditions, *d.sponsors,
                     *d.facilities, *d.cities, *d.states, *d.countries])


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


class Fzf:
    """`fzf --filter` over a file of flattened trials, one per line."""

    def __init__(self, digests):
        self.binary = shutil.which("fzf")
        self.file = None
        if self.binary:
            self.file = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)
            for d in digests:
                self.file.write(flat(d).replace("\n", " ") + "\n")
            self.file.close()

    def search(self, query: str, limit: int = 10) -> list[str]:
        with open(self.file.name, "rb") as stdin:
            out = subprocess.run([self.binary, "--filter", query], stdin=stdin,
                                 capture_output=True, check=False).stdout
        return [line.split(" ", 1)[0] for line in out.decode(errors="replace").splitlines()[:limit]]

    def close(self) -> None:
        if self.file:
            Path(self.file.name).unlink(missing_ok=True)


def load_stored(index: SearchIndex, digests) -> str:
    """Keep `index` in a library database as its search base, and time reading it back into an
    index (what a start does before it applies the trials written since)."""
    from trialtui.store import Database
    from trialtui.store.search_base import StoredBase, read_base, write_base

    with tempfile.TemporaryDirectory() as folder, Database.open(Path(folder) / "bench.sqlite3") as db:
        arrays, meta = index.arrays()
        write_base(db, StoredBase(arrays, meta, 0, 0, []))
        size = sum(values.nbytes for values in arrays.values())
        del arrays
        start, start_cpu = time.perf_counter(), time.process_time()
        stored = read_base(db)
        loaded = SearchIndex.from_arrays(stored.arrays, stored.meta, digests)
        wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        assert len(loaded) == len(index)
        del loaded, stored
        return f"{wall:.1f} s ({cpu:.1f} s CPU; {size / 2**20:,.0f} MB)"


def timed(fn, queries) -> list[float]:
    out = []
    for q in queries:
        start = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - start) * 1000)
    return out


def naive_search(choices: list[str], query: str) -> list:
    """The ten best of `choices` by rapidfuzz's WRatio: a naive fuzzy matcher scanning every trial."""
    return process.extract(utils.default_process(query), choices, scorer=fuzz.WRatio, processor=None, limit=10)


def with_peak_rss(fn):
    """`fn()` and the highest RSS in MB sampled (every 10 ms) while it ran."""
    peak, done = [rss_mb()], threading.Event()

    def sample() -> None:
        while not done.wait(0.01):
            peak[0] = max(peak[0], rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        return fn(), peak
    finally:
        done.set()
        sampler.join()


def latency_row(size: int, queries: list[tuple[str, str]]) -> list[str]:
    digests = corpus(size)
    gc.collect()
    before = rss_mb()
    start, start_cpu = time.perf_counter(), time.process_time()
    index, peak = with_peak_rss(partial(SearchIndex.build, digests))
    build, build_cpu = time.perf_counter() - start, time.process_time() - start_cpu
    gc.collect()
    memory = rss_mb() - before
    texts = [q for _, q in queries]
    ours = timed(partial(index.search, limit=10, highlight=("title",)), texts)
    loaded = load_stored(index, digests)  # after: a second index in memory would slow the queries
    wanted = max(3, COMPETITOR_QUERIES * 100_000 // max(size, 100_000))
    sample = texts[:: max(1, len(texts) // wanted)][:wanted]
    choices = [utils.default_process(flat(d)) for d in digests]
    naive = timed(partial(naive_search, choices), sample)
    fzf = Fzf(digests)
    fzf_ms = timed(fzf.search, sample) if fzf.binary else []
    fzf.close()
    kinds = {}
    for (kind, _), ms in zip(queries, ours, strict=True):
        kinds.setdefault(kind.replace(" typo", ""), []).append(ms)
    row = [f"{size:,}", f"{build:.1f} s ({build_cpu:.1f} s CPU; peak +{peak[0] - before:,.0f} MB)", loaded,
           f"{memory:,.0f} MB", f"{len(index._vocab):,}",
           f"{statistics.median(ours):.2f} / {percentile(ours, 95):.2f}",
           " ".join(f"{k} {percentile(v, 95):.1f}" for k, v in sorted(kinds.items())),
           f"{statistics.median(naive):.0f} / {percentile(naive, 95):.0f} ({len(sample)} q)",
           f"{statistics.median(fzf_ms):.0f} / {percentile(fzf_ms, 95):.0f} ({len(sample)} q)" if fzf_ms else "n/a"]
    del index, choices, digests
    gc.collect()
    return row


def quality(digests) -> tuple[list[list[str]], dict[str, float]]:
    cases = quality_cases(digests)
    index = SearchIndex.build(digests)
    choices = [utils.default_process(flat(d)) for d in digests]
    ids = [d.trial_id for d in digests]
    fzf = Fzf(digests)
    tally: dict[str, dict[str, list[int]]] = {}
    for number, case in enumerate(cases):
        found = {"trialtui": [h.trial_id for h in index.search(case.query, limit=10, highlight=("title",))]}
        if number % COMPETITOR_EVERY == 0:
            found["trialtui (sample)"] = found["trialtui"]
            found["rapidfuzz (sample)"] = [ids[i] for _, _, i in naive_search(choices, case.query)]
            if fzf.binary:
                found["fzf (sample)"] = fzf.search(case.query)
        for engine, hits in found.items():
            tally.setdefault(engine, {}).setdefault(case.kind, []).append(case.target in hits)
    fzf.close()
    kinds = sorted({c.kind for c in cases})
    rows = [[kind, str(sum(c.kind == kind for c in cases)),
             *(f"{sum(t[kind]) / len(t[kind]):.2f}" if t.get(kind) else "-" for t in tally.values())] for kind in kinds]
    overall = {engine: sum(sum(v) for v in t.values()) / sum(len(v) for v in t.values())
               for engine, t in tally.items()}
    rows.append(["all", str(len(cases)), *(f"{v:.2f}" for v in overall.values())])
    return [["kind", "queries", *tally]] + rows, overall


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip the 570k corpus")
    parser.add_argument("--sizes", type=int, nargs="*", help="corpus sizes (default 10k 100k 570k)")
    parser.add_argument("--no-quality", action="store_true", help="skip the success@10 table")
    args = parser.parse_args()
    sizes = args.sizes or ([10_000, 100_000] if args.quick else [10_000, 100_000, 570_000])
    real = real_digests()
    queries = latency_queries(real)
    if not args.no_quality:
        rows, _ = quality(real)
        print(f"success@10 on {len(real):,} real trials (../shared/data), one intended trial per query")
        print(table(rows), flush=True)
        print()
    header = ["trials", "build", "stored base: load (SQLite)", "RSS delta", "vocabulary", "trialtui p50/p95 ms",
              "p95 by kind (ms)",
              "rapidfuzz p50/p95 ms", "fzf p50/p95 ms"]
    print(f"latency over {len(queries)} queries (drug, site, city, drug + city; clean and with typos)")
    rows = [header]
    for size in sizes:
        rows.append(latency_row(size, queries))
        print(table(rows), flush=True)
        print()


if __name__ == "__main__":
    main()
