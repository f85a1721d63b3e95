"""Never lost: real processes killed with SIGKILL mid-write, and two processes editing together."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from trialtui.models import Trial
from trialtui.store import Annotations, Database, Library

WRITER = """
import sys
from trialtui.store import Annotations, Database
prefix = sys.argv[2]
notes = Annotations(Database.open(sys.argv[1]))
number = 0
while True:
    trial_id = f"{prefix}{number:06d}"
    notes.set_note(trial_id, f"note {number} " + "x" * 3000)
    notes.add_tag(trial_id, f"batch {number % 7}")
    print(number, flush=True)  # only after both edits committed
    number += 1
"""

EDITOR = """
import pathlib, sys, time
from trialtui.store import Annotations, Database
path, role, go, count = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3]), int(sys.argv[4])
notes = Annotations(Database.open(path))
while not go.exists():
    time.sleep(0.005)
for n in range(count):
    if role == "a":
        notes.set_note("NCT06000001", f"note from a, edit {n}")
    else:
        notes.set_status("NCT06000001", ("shortlisted", "contacted")[n % 2])
        notes.set_star("NCT06000001", n % 2 == 1)
    notes.add_tag("NCT06000001", f"{role}{n}")
print("done", flush=True)
"""

IMPORTER = """
import sys, time
from trialtui.models import Trial
from trialtui.store import Database, Library
from trialtui.store import library as library_module
store_derived = library_module.store_derived

def pause_before_commit(conn, rows):
    store_derived(conn, rows)
    print("halfway", flush=True)  # 3,000 trials' rows written, not committed
    time.sleep(60)

library_module.store_derived = pause_before_commit
library = Library(Database.open(sys.argv[1]))
library.import_trials(Trial(trial_id=f"NCT07{n:06d}", brief_title="x" * 5000) for n in range(3000))
"""


def run_python(script: str, *args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", script, *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_sigkill_mid_write_loses_no_committed_edit(tmp_path):
    path = tmp_path / "trialtui.sqlite3"
    Database.open(path).close()
    committed: dict[str, int] = {}
    for round_number in range(3):
        prefix = f"NCT{round_number}"
        writer = run_python(WRITER, path, prefix)
        wanted = random.randint(40, 120)
        last = -1
        while last < wanted:
            line = writer.stdout.readline()
            assert line, writer.stderr.read()
            last = int(line)
        time.sleep(random.uniform(0, 0.02))  # land the kill anywhere in an edit
        writer.send_signal(signal.SIGKILL)
        remaining, _ = writer.communicate()
        committed[prefix] = max([last, *map(int, remaining.split())])
        assert writer.returncode == -signal.SIGKILL

        assert integrity(path) == "ok"
        with Database.open(path) as db:
            everything = Annotations(db).all()
        for earlier, last_committed in committed.items():
            for number in range(last_committed + 1):
                annotation = everything[f"{earlier}{number:06d}"]
                assert annotation.note.startswith(f"note {number} ")
                assert annotation.tags == (f"batch {number % 7}",)


def test_sigkill_during_an_import_leaves_the_library_as_it_was(tmp_path):
    path = tmp_path / "trialtui.sqlite3"
    with Database.open(path) as db:
        Library(db).import_trials([Trial(trial_id="NCT07999999")])
    importer = run_python(IMPORTER, path)
    assert importer.stdout.readline() == "halfway\n", importer.stderr.read()
    importer.send_signal(signal.SIGKILL)
    importer.communicate()

    assert integrity(path) == "ok"
    with Database.open(path) as db:
        library = Library(db)
        assert library.count() == 1
        assert library.get("NCT07000001") is None


def test_two_processes_editing_one_trial_keep_both_edits(tmp_path):
    path = tmp_path / "trialtui.sqlite3"
    Database.open(path).close()
    go = tmp_path / "go"
    edits = 40
    editors = [run_python(EDITOR, path, role, go, edits) for role in ("a", "b")]
    time.sleep(1.0)  # both connected and waiting
    go.touch()
    for editor in editors:
        output, errors = editor.communicate(timeout=120)
        assert editor.returncode == 0, errors
        assert output == "done\n"

    with Database.open(path) as db:
        annotation = Annotations(db).get("NCT06000001")
        history = db.query("SELECT count(*) FROM annotation_log")[0][0]
    assert annotation.note == f"note from a, edit {edits - 1}"
    assert annotation.status == "contacted" and annotation.star is True
    assert sorted(annotation.tags) == sorted([*(f"a{n}" for n in range(edits)), *(f"b{n}" for n in range(edits))])
    # every edit logged, nothing silently replaced (b's first star=False changed nothing)
    assert history == edits * 2 + (edits * 3 - 1)
