"""Mutated real records of every format, through loading and into the library.

One study of a file is made hostile (a value nested 100,000 deep, a 5,000-digit number, a lone
surrogate, a 200,000-character string, control characters, a wrong type; or bytes flipped, cut or
inserted where the format keeps records apart) and the promise is checked: nothing escapes, every
untouched study still loads, the bad one is at most one short line naming its file and place, and
whatever loaded can be stored. Derandomized with no example database, so CI runs the same cases.
"""

from __future__ import annotations

import gzip
import io
import json
import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialtui.ingest import LoadProblem, iter_records
from trialtui.models import Trial
from trialtui.store import Database, Library

DATA = Path(__file__).parent / "data" / "ingest"
SEEDS = Path(__file__).resolve().parent.parent / "seeds"
STUDY = json.loads((DATA / "study-NCT06934928.json").read_text())
XML = (DATA / "legacy-NCT00461773.xml").read_bytes()
PAGES = sorted(SEEDS.glob("*.txt"))[:3]
IDS = [f"NCT0000000{n}" for n in range(1, 5)]

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

HOSTILE = [
    "[" * 100_000 + "]" * 100_000,
    "9" * 5_000,
    '"cisplatin \\ud800 arm"',
    '"\\udfff"',
    '"' + "x" * 200_000 + '"',
    '"\\u001b]0;owned\\u0007\\u001b[2J\\n\\u202e"',
    "5", "-1e999", "null", "true", "[]", "{}", '["boxed"]', '[{"a": [1, {"b": null}]}]',
]
_MARK = "@@hostile@@"


def _study(nct_id: str) -> dict:
    study = json.loads(json.dumps(STUDY))
    study["protocolSection"]["identificationModule"]["nctId"] = nct_id
    return study


@st.composite
def hostile_study(draw) -> str:
    """A real study as JSON text with one value anywhere in it (or a new key) made hostile."""
    study = _study(IDS[0])
    node, steps = study, draw(st.integers(0, 6))
    for _ in range(steps):
        children = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        children = [(k, v) for k, v in children if isinstance(v, (dict, list)) and v]
        if not children:
            break
        node = draw(st.sampled_from(children))[1]
    keys = list(node) if isinstance(node, dict) else list(range(len(node)))
    key = draw(st.sampled_from(keys + ["extra"])) if isinstance(node, dict) else draw(st.sampled_from(keys))
    node[key] = _MARK
    return json.dumps(study).replace(f'"{_MARK}"', draw(st.sampled_from(HOSTILE)), 1)


@st.composite
def mutated_bytes(draw, data: bytes, keep: bytes = b"", first: int = 0) -> bytes:
    """`data` with bytes flipped, cut out, inserted or the end cut off (never a byte of `keep`,
    nothing before `first`)."""
    size = len(data)
    at = draw(st.integers(first, size - 1))
    op = draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
    if op == "flip":
        byte = draw(st.integers(0, 255).filter(lambda b: bytes([b]) not in keep))
        if bytes([data[at]]) in keep:
            return data
        return data[:at] + bytes([byte]) + data[at + 1:]
    if op == "cut":
        end = min(size, at + draw(st.integers(1, 64)))
        return data if any(b in keep for b in (bytes([c]) for c in data[at:end])) else data[:at] + data[end:]
    if op == "insert":
        extra = bytes(b for b in draw(st.binary(min_size=1, max_size=32)) if bytes([b]) not in keep)
        return data[:at] + extra + data[at:]
    return data if keep else data[: max(1, at)]


def _check(path: Path, untouched: list[str], locator: str) -> None:
    items = list(iter_records(path))
    trials = [item for item in items if isinstance(item, Trial)]
    problems = [item for item in items if isinstance(item, LoadProblem)]
    loaded = {trial.trial_id for trial in trials}
    assert set(untouched) <= loaded, problems
    assert len(trials) > len(untouched) or problems, "the bad study vanished without a word"
    assert len(problems) <= 2, problems
    for problem in problems:
        line = problem.line()
        assert line.startswith(f"trialtui: {path}"), line
        assert "\n" not in line and len(line) < 1_200, line[:300]
        assert locator in line or "byte" in line, line
        assert "Error" not in line and "Exception" not in line, line  # a Python exception's text
    with tempfile.TemporaryDirectory() as home, Database.open(Path(home) / "library.sqlite3") as db:
        report = Library(db).import_trials(trials)
    assert report.total == len(trials)


def _place(items: list, bad, index: int) -> list:
    return items[:index] + [bad] + items[index:]


def _good_texts() -> list[str]:
    return [json.dumps(_study(nct_id)) for nct_id in IDS[1:]]


@FUZZ
@given(bad=hostile_study(), index=st.integers(0, 3), shape=st.sampled_from(["array", "page", "lines", "gzip"]))
def test_one_hostile_value_costs_only_its_study(tmp_path_factory, bad, index, shape):
    texts = _place(_good_texts(), bad, index)
    body = {"array": "[\n" + ",\n".join(texts) + "\n]", "page": '{"studies": [' + ",".join(texts) + "]}",
            "lines": "\n".join(texts) + "\n", "gzip": "\n".join(texts) + "\n"}[shape]
    data = body.encode()
    path = tmp_path_factory.mktemp("fuzz") / f"studies.{shape}"
    path.write_bytes(gzip.compress(data) if shape == "gzip" else data)
    unit = "line" if shape in ("lines", "gzip") else "study"
    _check(path, IDS[1:], f"{unit} {index + 1}")


@FUZZ
@given(data=st.data(), index=st.integers(0, 3))
def test_damaged_bytes_in_one_json_line_cost_only_that_line(tmp_path_factory, data, index):
    line = json.dumps(_study(IDS[0])).encode()
    # the file's first byte tells its format: garbage there is another kind of file
    bad = data.draw(mutated_bytes(line, keep=b"\n", first=1 if index == 0 else 0))
    lines = [text.encode() for text in _good_texts()]
    path = tmp_path_factory.mktemp("fuzz") / "studies.jsonl"
    path.write_bytes(b"\n".join(lines[:index] + [bad] + lines[index:]) + b"\n")
    _check(path, IDS[1:], f"line {index + 1}")


@FUZZ
@given(data=st.data(), index=st.integers(0, 3))
def test_damaged_member_of_a_bulk_zip_costs_only_itself(tmp_path_factory, data, index):
    buffer = io.BytesIO()
    members = [(f"{nct_id}.json", json.dumps(_study(nct_id), indent=2).encode()) for nct_id in IDS[1:]]
    bad = data.draw(mutated_bytes(json.dumps(_study(IDS[0]), indent=2).encode()))
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, member in _place(members, (f"{IDS[0]}.json", bad), index):  # type: ignore[arg-type]
            archive.writestr(name, member)
    path = tmp_path_factory.mktemp("fuzz") / "bulk.zip"
    path.write_bytes(buffer.getvalue())
    _check(path, IDS[1:], f"!{IDS[0]}.json")


def _xml(nct_id: str) -> bytes:
    return XML.replace(b"NCT00461773", nct_id.encode())


@FUZZ
@given(data=st.data(), kind=st.sampled_from(["xml", "page"]))
def test_damaged_xml_or_page_text_in_a_folder_costs_only_its_file(tmp_path_factory, data, kind):
    folder = tmp_path_factory.mktemp("fuzz")
    if kind == "xml":
        originals = {f"{nct_id}.xml": _xml(nct_id) for nct_id in IDS}
        untouched = IDS[1:]
    else:
        originals = {page.name: page.read_bytes() for page in PAGES}
        untouched = [next(t.trial_id for t in iter_records(page) if isinstance(t, Trial)) for page in PAGES[1:]]
    names = sorted(originals)
    for name in names:
        (folder / name).write_bytes(originals[name])
    bad_name = names[0]
    (folder / bad_name).write_bytes(data.draw(mutated_bytes(originals[bad_name])))
    _check(folder, untouched, bad_name)
