"""Every area keeps its own English catalogue and Flask-Babel merges them into one domain, so the
same Vietnamese msgid translated two ways in two catalogues would silently lose one of them."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1] / "survey"


def test_catalogues_agree_on_shared_msgids():
    translations: dict[str, dict[str, str]] = defaultdict(dict)
    for po in sorted(ROOT.glob("**/translations/en/LC_MESSAGES/messages.po")):
        with po.open("rb") as handle:
            catalogue = read_po(handle)
        for message in catalogue:
            if message.id and message.string and not message.fuzzy:
                key = message.id if isinstance(message.id, str) else message.id[0]
                text = message.string if isinstance(message.string, str) else message.string[0]
                translations[key][str(po.relative_to(ROOT))] = text
    conflicts = {msgid: by_file for msgid, by_file in translations.items()
                 if len(set(by_file.values())) > 1}
    assert not conflicts, conflicts
