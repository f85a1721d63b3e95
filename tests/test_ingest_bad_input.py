"""Bad input never crashes loading: each bad source gives one plain line, the rest still loads."""

from __future__ import annotations

import codecs
import gzip
import io
import json
import random
import zipfile
from pathlib import Path

import pytest

from trialtui.ingest import LoadProblem, iter_records, load_paths, loader, preview
from trialtui.models import Trial

DATA = Path(__file__).parent / "data" / "ingest"
STUDY = json.loads((DATA / "study-NCT06934928.json").read_text())
XML = (DATA / "legacy-NCT00461773.xml").read_bytes()


def _study(nct_id: str, **identification) -> dict:
    study = json.loads(json.dumps(STUDY))
    study["protocolSection"]["identificationModule"].update(nctId=nct_id, **identification)
    return study


def _only_problem(path: Path) -> str:
    result = load_paths([path])
    assert result.trials == []
    assert len(result.problems) == 1, result.problems
    line = result.problems[0].line()
    assert line.startswith(f"trialtui: {path}: ")
    return line


def test_truncated_json_object(tmp_path):
    path = tmp_path / "study.json"
    path.write_text(json.dumps(STUDY)[:5000])
    assert "truncated" in _only_problem(path)


def test_truncated_json_array_keeps_the_studies_before_the_cut(tmp_path):
    path = tmp_path / "export.json"
    text = json.dumps([_study("NCT00000001"), _study("NCT00000002"), _study("NCT00000003")], indent=2)
    path.write_text(text[: text.index('"NCT00000003"') + 400])
    result = load_paths([path])
    assert [t.trial_id for t in result.trials] == ["NCT00000001", "NCT00000002"]
    assert len(result.problems) == 1
    assert "in the middle of study 3" in result.problems[0].reason and "truncated" in result.problems[0].reason


def test_truncated_api_page_keeps_the_studies_before_the_cut(tmp_path):
    path = tmp_path / "page.json"
    text = json.dumps({"studies": [_study("NCT00000001"), _study("NCT00000002")], "nextPageToken": "x"})
    path.write_text(text[: text.index('"NCT00000002"')])
    result = load_paths([path])
    assert [t.trial_id for t in result.trials] == ["NCT00000001"]
    assert len(result.problems) == 1


def test_random_bytes(tmp_path):
    path = tmp_path / "NCT01234567.json"
    path.write_bytes(random.Random(7).randbytes(4096))
    assert "binary data, not a trial record" in _only_problem(path)


def test_broken_xml_names_line_and_column(tmp_path):
    path = tmp_path / "NCT00461773.xml"
    path.write_bytes(XML.replace(b"</brief_title>", b"</brief_titel>", 1))
    line = _only_problem(path)
    assert "broken XML: mismatched tag: line 13" in line


def test_xml_that_is_not_a_clinical_study(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text("<rss><channel/></rss>")
    assert "not a <clinical_study> record" in _only_problem(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.json"
    path.write_bytes(b"")
    assert _only_problem(path).endswith("empty file, nothing to load")


def test_whitespace_only_file(tmp_path):
    path = tmp_path / "blank.txt"
    path.write_text("\n\n   \n")
    assert "empty file" in _only_problem(path)


def test_empty_directory(tmp_path):
    folder = tmp_path / "nothing-here"
    folder.mkdir()
    assert _only_problem(folder).endswith("empty folder: no files to load")


def test_missing_path(tmp_path):
    assert "no such file or folder" in _only_problem(tmp_path / "missing.json")


def test_unreadable_file(tmp_path, monkeypatch):
    path = tmp_path / "locked.json"
    path.write_text(json.dumps(STUDY))

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(loader, "open", refuse, raising=False)
    assert _only_problem(path).endswith("cannot be read: Permission denied")


def test_huge_title_in_json(tmp_path):
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(_study("NCT00000001", briefTitle="A" * 5_000_000)))
    line = _only_problem(path)
    assert '"briefTitle" is 5,000,000 characters long' in line and "NCT00000001" in line


def test_huge_title_in_xml(tmp_path):
    path = tmp_path / "huge.xml"
    path.write_bytes(XML.replace(b"<brief_title>", b"<brief_title>" + b"A" * 5_000_000, 1))
    assert "characters long" in _only_problem(path)


def test_huge_line_in_page_text(tmp_path):
    seed = next((Path(__file__).parent.parent / "seeds").glob("000_*.txt")).read_text()
    path = tmp_path / "page.txt"
    path.write_text(seed.replace("Results pending", "x" * 5_000_000, 1))
    assert "characters long" in _only_problem(path)


def test_json_object_that_is_not_a_study(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"name": "trialtui", "version": 1}))
    line = _only_problem(path)
    assert "not a ClinicalTrials.gov study" in line and "keys: name, version" in line


def test_text_that_is_not_a_trial_page(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("shopping list\neggs\nmilk\n")
    assert "not a trial record" in _only_problem(path)


def test_json_lines_with_a_bad_line_reports_its_number(tmp_path):
    path = tmp_path / "studies.jsonl"
    lines = [json.dumps(_study(f"NCT0000000{n}")) for n in range(1, 5)]
    lines[2] = lines[2][:300]
    path.write_text("\n".join(lines) + "\n")
    result = load_paths([path])
    assert [t.trial_id for t in result.trials] == ["NCT00000001", "NCT00000002", "NCT00000004"]
    assert [t.source.line for t in result.trials] == [1, 2, 4]
    assert len(result.problems) == 1 and result.problems[0].reason.startswith("line 3: not valid JSON")


def test_truncated_gzip_keeps_the_lines_before_the_damage(tmp_path):
    path = tmp_path / "studies.jsonl.gz"
    body = "".join(json.dumps(_study(f"NCT0000{n:04d}")) + "\n" for n in range(40))
    data = gzip.compress(body.encode())
    path.write_bytes(data[: len(data) * 3 // 4])
    result = load_paths([path])
    assert 0 < len(result.trials) < 40
    assert len(result.problems) >= 1
    assert all(p.path == str(path) for p in result.problems)


def test_zip_with_one_bad_member(tmp_path):
    path = tmp_path / "bulk.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("NCT00000001.json", json.dumps(_study("NCT00000001")))
        archive.writestr("NCT00000002.json", "{\"protocolSection\": ")
        archive.writestr("NCT00000003.json", json.dumps(_study("NCT00000003")))
    result = load_paths([path])
    assert [t.source.path for t in result.trials] == [f"{path}!NCT00000001.json", f"{path}!NCT00000003.json"]
    assert [p.path for p in result.problems] == [f"{path}!NCT00000002.json"]


def test_damaged_zip(tmp_path):
    path = tmp_path / "bulk.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("NCT00000001.json", json.dumps(_study("NCT00000001")))
    path.write_bytes(buffer.getvalue()[:200])
    assert "zip" in _only_problem(path)


def test_a_folder_of_good_and_bad_files_loads_the_good_ones(tmp_path):
    folder = tmp_path / "mixed"
    (folder / "nested" / "deeper").mkdir(parents=True)
    (folder / "good.json").write_text(json.dumps(_study("NCT00000001")))
    (folder / "nested" / "legacy").write_bytes(XML)
    (folder / "nested" / "deeper" / "page.txt").write_text(
        next((Path(__file__).parent.parent / "seeds").glob("000_*.txt")).read_text()
    )
    (folder / "truncated.json").write_text(json.dumps(STUDY)[:100])
    (folder / "random.bin").write_bytes(random.Random(1).randbytes(2048))
    (folder / "broken.xml").write_text("<clinical_study><id_info>")
    (folder / "empty.txt").write_text("")
    (folder / "not-a-study.json").write_text("[1, 2, 3]")
    (folder / ".hidden.json").write_text("not even looked at")
    result = load_paths([folder])
    assert sorted(t.trial_id for t in result.trials) == ["NCT00000001", "NCT00461773", "NCT06751134"]
    bad = {Path(p.path).name for p in result.problems}
    assert bad == {"truncated.json", "random.bin", "broken.xml", "empty.txt", "not-a-study.json"}
    assert len(result.problems) == 5


def test_iter_records_streams_and_never_raises(tmp_path):
    path = tmp_path / "studies.jsonl"
    path.write_text("\n".join(json.dumps(_study(f"NCT0000000{n}")) for n in range(1, 4)) + "\n")
    records = iter_records(path)
    first = next(records)
    assert isinstance(first, Trial) and first.trial_id == "NCT00000001"
    assert all(isinstance(r, (Trial, LoadProblem)) for r in records)


@pytest.mark.parametrize("content", [b"\xef\xbb\xbf", b"{", b"[", b"<", b"\x1f\x8b", b"PK\x03\x04", b"null"])
def test_tiny_fragments_give_one_problem(tmp_path, content):
    path = tmp_path / "fragment"
    path.write_bytes(content)
    result = load_paths([path])
    assert result.trials == [] and len(result.problems) == 1


@pytest.mark.parametrize("blank", [b"\n" * 5000, b" " * 5000, codecs.BOM_UTF8 + b"\r\n\t " * 2000],
                         ids=["newlines", "spaces", "bom-crlf-tabs"])
def test_records_after_a_long_blank_start_are_loaded_and_counted_by_line(tmp_path, blank):
    path = tmp_path / "studies.jsonl"
    lines = [json.dumps(_study("NCT00000001")), json.dumps(_study("NCT00000002")), "{broken"]
    path.write_bytes(blank + "\n".join(lines).encode() + b"\n")
    first_line = blank.count(b"\n") + 1
    result = load_paths([path])
    assert [t.trial_id for t in result.trials] == ["NCT00000001", "NCT00000002"]
    assert [t.source.line for t in result.trials] == [first_line, first_line + 1]
    assert [p.reason.split(":")[0] for p in result.problems] == [f"line {first_line + 2}"]


def test_an_export_after_a_long_blank_start_is_read_as_a_list(tmp_path):
    path = tmp_path / "export.json.gz"
    text = "\n" * 3000 + json.dumps([_study("NCT00000001"), _study("NCT00000002")], indent=2)
    path.write_bytes(gzip.compress(text.encode()))
    assert [t.trial_id for t in load_paths([path]).trials] == ["NCT00000001", "NCT00000002"]
    plain = tmp_path / "export.json"
    plain.write_text(text)
    assert preview.file_format(plain) == "JSON"


def test_white_space_past_the_blank_start_limit_ends_as_nothing_to_load(tmp_path):
    path = tmp_path / "blank.txt"
    path.write_bytes(b" " * (loader.MAX_BLANK_START + 70_000) + json.dumps(_study("NCT00000001")).encode())
    assert _only_problem(path) == (
        f"trialtui: {path}: nothing but white space in its first 512 KB, not read further, nothing to load"
    )

