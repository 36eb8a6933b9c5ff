"""Every respondent-facing message (Vietnamese msgid) has an English translation."""
from __future__ import annotations

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.respond.support import ROOT

CATALOGUE = ROOT / "survey" / "respond" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
METHODS = [("**.py", "python"), ("**.html", "jinja2")]


def _msgids(directory, only=None) -> set[str]:
    ids = set()
    for filename, _line, message, _comments, _context in extract_from_dir(
            str(directory), METHODS, options_map={"**.html": {"extensions": "jinja2.ext.do"}}):
        if only and filename not in only:
            continue
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def test_english_catalogue_covers_every_respondent_message():
    wanted = (_msgids(ROOT / "survey" / "respond")
              | _msgids(ROOT / "survey" / "questionnaire" / "runtime")
              | _msgids(ROOT / "survey" / "templates" / "respond")
              | _msgids(ROOT / "survey" / "templates", only={"base.html"})
              | _msgids(ROOT / "survey" / "services", only={"drafts.py", "responses.py"}))
    assert len(wanted) > 90
    with open(CATALOGUE, "rb") as handle:
        translated = {m.id for m in read_po(handle) if m.id and m.string}
    assert wanted - translated == set()
