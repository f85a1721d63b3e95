"""Hostile sources cost only themselves: one bad study is one short line naming its file and number,
the other studies load, nothing hangs, and no decompressed or decoded size runs away."""

from __future__ import annotations

import gzip
import json
import os
import zipfile
from pathlib import Path

import pytest

from trialtui.cli import main
from trialtui.ingest import load_paths
from trialtui.ingest.json_values import loads
from trialtui.ingest.streams import MAX_DOCUMENT_BYTES
from trialtui.ingest.study_parts import study_parts

DATA = Path(__file__).parent / "data" / "ingest"
STUDY = json.loads((DATA / "study-NCT06934928.json").read_text())


def _study(nct_id: str, title: str = "A study of cisplatin") -> dict:
    study = json.loads(json.dumps(STUDY))
    study["protocolSection"]["identificationModule"].update(nctId=nct_id, briefTitle=title)
    return study


IDS = [f"NCT0000000{n}" for n in range(1, 7)]


def _texts(bad_index: int, bad: str, part: str = "protocolSection") -> list[str]:
    """The studies as JSON, one holding `bad` as the value of a key "extra" of `part` (a key of
    the study; "" for the study itself)."""
    texts = []
    for nct_id in IDS:
        study = _study(nct_id)
        if nct_id == IDS[bad_index]:
            (study.setdefault(part, {}) if part else study)["extra"] = "BAD"
        texts.append(json.dumps(study).replace('"BAD"', bad))
    return texts


def _loaded(path: Path) -> tuple[list[str], list[str]]:
    result = load_paths([path])
    return sorted(t.trial_id for t in result.trials), [p.line() for p in result.problems]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


DEEP = "[" * 100_000 + "]" * 100_000
HUGE = "9" * 5_000


@pytest.mark.parametrize("bad, reason", [(DEEP, "nested too deep"), (HUGE, "more than 4,300 digits")])
@pytest.mark.parametrize("shape", ["array", "page", "lines"])
def test_a_deep_or_huge_value_costs_only_its_study(tmp_path, bad, reason, shape):
    texts = _texts(2, bad)
    path = tmp_path / f"studies-{shape}.json"
    body = {"array": "[" + ",\n".join(texts) + "]", "page": '{"studies": [' + ",".join(texts) + "]}",
            "lines": "\n".join(texts) + "\n"}[shape]
    path.write_text(body)
    ids, lines = _loaded(path)
    assert ids == IDS[:2] + IDS[3:]
    unit = "line" if shape == "lines" else "study"
    assert lines == [f"trialtui: {path}: {unit} 3: {lines[0].split(f'{unit} 3: ')[1]}"]
    assert reason in lines[0] and "Error" not in lines[0]


def test_a_json_lines_study_is_decoded_only_in_the_parts_trialtui_reads(tmp_path):
    texts = _texts(2, HUGE, "resultsSection")
    texts[4] = _texts(4, HUGE, "")[4]
    path = tmp_path / "studies.jsonl"
    path.write_text("\n".join(texts) + "\n")
    assert _loaded(path) == (IDS, [])  # a value past Python's decoder in what is never read costs nothing


@pytest.mark.parametrize("shape", ["array", "lines"])
def test_a_value_nested_hundreds_deep_is_read_as_pythons_decoder_reads_it(tmp_path, shape):
    texts = _texts(2, "[" * 300 + "]" * 300)
    path = tmp_path / f"studies-{shape}.json"
    path.write_text("[" + ",\n".join(texts) + "]" if shape == "array" else "\n".join(texts) + "\n")
    assert _loaded(path) == (IDS, [])


def test_every_real_study_decodes_to_what_pythons_decoder_gives(shared_data):
    with gzip.open(shared_data / "ctgov-v2" / "studies.v2.jsonl.gz", "rt", encoding="utf-8") as lines:
        studies = [line for line in lines if line.strip()]
    assert len(studies) == 1147
    assert all(loads(line) == json.loads(line) for line in studies)
    for line in studies:  # and the parts read of each, as JSON Lines are read
        whole = json.loads(line)
        parts = {"protocolSection": whole["protocolSection"]}
        if "derivedSection" in whole:
            parts["derivedSection"] = {k: {n: v[n] for n in ("meshes", "ancestors") if n in v}
                                       for k, v in whole["derivedSection"].items() if k == "conditionBrowseModule"}
        if "hasResults" in whole:
            parts["hasResults"] = whole["hasResults"]
        assert study_parts(line) == parts


@pytest.mark.parametrize("browse", ['[{"term": "x"}]', '"x"', "5", "1.5", "true", "null", "{}",
                                    '{"meshes": [{"term": "x"}], "meshes": 7, "browseLeaves": [1]}'])
def test_any_condition_browse_module_is_read_as_pythons_decoder_reads_its_meshes_and_ancestors(browse):
    line = '{"protocolSection": {}, "derivedSection": {"conditionBrowseModule": ' + browse + "}}"
    expected = json.loads(line)
    module = expected["derivedSection"]["conditionBrowseModule"]
    if isinstance(module, dict):
        module.pop("browseLeaves", None)
    assert study_parts(line) == expected


def test_a_lone_surrogate_is_read_as_a_replacement_character_and_the_study_kept(capsys, tmp_path):
    texts = [json.dumps(_study(nct_id)) for nct_id in IDS]
    texts[3] = texts[3].replace('"A study of cisplatin"', '"A study of cisplatin\\ud800"')
    path = tmp_path / "export.json"
    path.write_text("[" + ",".join(texts) + "]")

    status, out, err = run(capsys, "list", "--json", "--data", str(path))
    rows = json.loads(out)
    assert [row["trial_id"] for row in rows] == IDS
    assert rows[3]["title"] == "A study of cisplatin\ufffd"
    assert err.splitlines() == [f"trialtui: {path}: study 4: NCT00000004: 1 lone UTF-16 surrogate escape "
                                "(such as \\ud800) read as U+FFFD; the study was kept"]
    assert status == 0  # every study loaded: the line is a note, not a skipped input

    status, out, _ = run(capsys, "import", str(path))
    assert out.strip() == "6 added, 0 updated, 0 unchanged, 0 skipped"
    status, out, _ = run(capsys, "show", "NCT00000004")
    assert out.splitlines()[0] == "A study of cisplatin\ufffd"


@pytest.mark.parametrize("part", ["protocolSection", "resultsSection"])
def test_json_lines_count_lone_surrogates_in_what_is_read_and_what_is_not(tmp_path, part):
    texts = _texts(1, '"x\\udc80"', part)
    texts[3] = texts[3].replace('"A study of cisplatin"', '"A study of \\ud83d\\ude00 cisplatin"')  # a pair, not lone
    path = tmp_path / "studies.jsonl"
    path.write_text("\n".join(texts) + "\n")
    assert _loaded(path) == (IDS, [f"trialtui: {path}: line 2: NCT00000002: 1 lone UTF-16 surrogate escape (such as "
                                   "\\ud800) read as U+FFFD; the study was kept"])


def test_the_api_parse_shared_with_fetch_never_keeps_a_surrogate():
    from trialtui.ingest import parse_ctgov_study
    from trialtui.models import Provenance

    study = _study("NCT00000001", "Cisplatin\udc80 arm")
    trial = parse_ctgov_study(study, Provenance(path="page", format="ctgov-v2"))
    assert trial.brief_title == "Cisplatin\ufffd arm"
    trial.model_dump_json().encode("utf-8")


def test_a_gzip_bomb_stops_at_the_cap_with_one_line(tmp_path):
    path = tmp_path / "bomb.json.gz"
    with gzip.open(path, "wb") as out:
        out.write(b"[" + json.dumps(_study("NCT00000001")).encode() + b',\n{"pad": "')
        block = b"a" * (1 << 20)
        for _ in range(MAX_DOCUMENT_BYTES // len(block) * 2):
            out.write(block)
        out.write(b'"}]')
    ids, lines = _loaded(path)
    assert ids == ["NCT00000001"]
    assert lines == [f"trialtui: {path}: gzip data inflates to more than 100 times its size (past 64 MB): "
                     "not read further (a decompression bomb?); the records before were loaded"]


def test_trailing_garbage_after_gzip_keeps_every_study(tmp_path):
    path = tmp_path / "studies.jsonl.gz"
    path.write_bytes(gzip.compress("\n".join(json.dumps(_study(i)) for i in IDS).encode()) + b"garbage!")
    ids, lines = _loaded(path)
    assert ids == IDS
    assert lines == [f"trialtui: {path}: trailing bytes after the gzip data are not gzip "
                     "(ignored; every record before them was read)"]


def test_a_fifo_in_a_folder_is_skipped_not_waited_on(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "one.json").write_text(json.dumps(_study("NCT00000001")))
    ids, lines = _loaded(tmp_path)
    assert ids == ["NCT00000001"]
    assert lines == [f"trialtui: {tmp_path / 'pipe'}: a named pipe (FIFO), not a file: skipped"]


def test_folders_through_symlinks_are_read_once_and_loops_named(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "one.json").write_text(json.dumps(_study("NCT00000001")))
    (real / "back").symlink_to(tmp_path)  # a link up the tree: no endless walk
    top = tmp_path / "top"
    top.mkdir()
    (top / "linked").symlink_to(real)
    (top / "loop").symlink_to(top / "loop")
    ids, lines = _loaded(top)
    assert ids == ["NCT00000001"]
    assert lines == [f"trialtui: {top / 'loop'}: symlink loop: the link leads back to itself, no file at its end"]


@pytest.mark.parametrize("encoding, note", [
    ("cp1252", "not UTF-8 (byte {at} is not): read as Windows-1252 (Latin-1) text from there on"),
    ("utf-16", None),
    ("utf-16-le", "no byte order mark: read as UTF-16-LE text"),
])
def test_latin1_and_utf16_files_are_read_with_a_line_saying_which_encoding(tmp_path, encoding, note):
    path = tmp_path / "study.json"
    text = json.dumps(_study("NCT00000001", "Étude café: naïve"), ensure_ascii=False)
    data = text.encode(encoding, "replace")  # the record's "≥" has no Windows-1252 byte
    path.write_bytes(data)
    result = load_paths([path])
    assert [t.brief_title for t in result.trials] == ["Étude café: naïve"]
    expected = [] if note is None else [note.format(at=f"{data.index('É'.encode(encoding)):,}")]
    assert [p.reason for p in result.problems] == expected


def test_json_lines_read_as_bytes_count_toward_the_byte_that_is_not_utf8(tmp_path):
    lines = [json.dumps(_study(f"NCT0000000{n}", "Plain title")) for n in (1, 2)]
    lines.append(json.dumps(_study("NCT00000003", "Étude café"), ensure_ascii=False))
    lines.append(json.dumps(_study("NCT00000004", "Plain again")))
    data = "\n".join(lines).encode("cp1252", "replace") + b"\n"
    path = tmp_path / "studies.jsonl"
    path.write_bytes(data)
    result = load_paths([path])
    assert [t.brief_title for t in result.trials] == ["Plain title", "Plain title", "Étude café", "Plain again"]
    at = data.index("É".encode("cp1252"))
    assert [p.reason for p in result.problems] == [
        f"not UTF-8 (byte {at:,} is not): read as Windows-1252 (Latin-1) text from there on"
    ]


def test_latin1_page_text_is_read(tmp_path):
    from conftest import SEEDS

    text = (SEEDS / "000_efbe361d948e42a7.txt").read_text().replace("Neuroblastoma", "Neuroblastome éprouvé", 1)
    path = tmp_path / "page.txt"
    path.write_bytes(text.encode("cp1252", "replace"))
    result = load_paths([path])
    assert "Neuroblastome éprouvé" in result.trials[0].brief_title
    assert "read as Windows-1252" in result.problems[0].reason


def test_a_huge_id_is_quoted_short(tmp_path):
    study = _study("NCT" + "9" * 90_000)
    study["protocolSection"]["identificationModule"]["briefTitle"] = 5
    path = tmp_path / "study.json"
    path.write_text(json.dumps(study))
    (line,) = _loaded(path)[1]
    assert len(line) < len(str(path)) + 200
    assert line.endswith(f"trial id 'NCT{'9' * 56}…' is not an NCT number (NCT and 8 digits)")


def test_a_zip_of_many_bad_members_gives_twenty_lines_and_a_count(tmp_path):
    path = tmp_path / "bulk.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for n in range(1000):
            archive.writestr(f"NCT{n:08d}.json", "not json" if n % 2 else '{"a": 1}')
        archive.writestr("NCT99999999.json", json.dumps(_study("NCT99999999")))
    ids, lines = _loaded(path)
    assert ids == ["NCT99999999"]
    assert len(lines) == 21
    assert lines[-1] == f"trialtui: {path}: …and 980 more problems here, not listed"


def test_import_says_when_the_library_holds_a_newer_version(capsys, tmp_path):
    newer, older = _study("NCT00000001"), _study("NCT00000001", "An older title")
    newer["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2025-03-01"}
    older["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2024-01-01"}
    (tmp_path / "newer.json").write_text(json.dumps(newer))
    (tmp_path / "older.json").write_text(json.dumps(older))
    assert run(capsys, "import", str(tmp_path / "newer.json"))[1].strip() == "1 added, 0 updated, 0 unchanged, 0 skipped"
    status, out, _ = run(capsys, "import", str(tmp_path / "older.json"))
    assert out.strip() == ("0 added, 0 updated, 0 unchanged, 1 older than the library's version "
                           "(kept the library's), 0 skipped")
    assert status == 0
