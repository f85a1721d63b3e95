"""Search benchmark: build time, memory, latency and success@10 against rapidfuzz and fzf.

Run from the project root::

    .venv/bin/python -m bench.search            # 10k, 100k and 570k trials + quality set
    .venv/bin/python -m bench.search --quick    # skip 570k

Corpora are cached under bench/.cache/ (first run builds them). fzf is used when on PATH.
"""
