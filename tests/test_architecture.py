"""The core stays Textual-free: models, ingest, eligibility, search, store, fetch, session and the
command line import without textual, so they can be used (and tested) with no UI at all."""

from __future__ import annotations

import re
import subprocess
import sys

PROBE = """
import importlib, pkgutil, sys
import trialtui
core = [m.name for m in pkgutil.walk_packages(trialtui.__path__, "trialtui.")
        if not m.name.startswith("trialtui.tui") and m.name != "trialtui.__main__"]
for name in core:
    importlib.import_module(name)
loaded = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
print(len(core), loaded)
"""


def test_core_modules_import_without_textual():
    probe = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr[-2000:]
    count, loaded = probe.stdout.split(" ", 1)
    assert int(count) >= 10, "the probe should have found the core modules"
    assert loaded.strip() == "[]", f"core modules pulled in textual: {loaded}"


def test_styles_use_theme_variables_not_hex_colours():
    from trialtui.paths import styles_dir

    sheets = list(styles_dir().glob("*.tcss"))
    assert sheets
    for sheet in sheets:
        hex_colours = re.findall(r":[^;{}]*#[0-9a-fA-F]{3,8}\b", sheet.read_text())
        assert not hex_colours, f"{sheet.name} uses hex colours: {hex_colours}"
