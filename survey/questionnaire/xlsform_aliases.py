"""XLSForm spellings as pyxform reads them: column headers, question types, yes/no words.

pyxform, the converter behind ODK and KoboToolbox, accepts many spellings of one thing: ``list
name`` and ``list_name``, ``select one x`` and ``select_one x``, ``bind:relevant`` and
``relevant``, ``label:English`` and ``label::English (en)``, ``int`` and ``integer``, headers in
any case. The tables below copy pyxform's own (``pyxform/aliases.py`` and
``question_type_dictionary.py``, pyxform 4.5); ``tests/questionnaire/test_xlsform_aliases.py``
checks them against the installed pyxform, so a spelling pyxform learns fails a test here.

Nothing here decides what we do with a column or type: :mod:`.xlsform_import` does.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["TypeSpec", "parse_type", "header_key", "snake", "yes_no", "QUESTION_TYPES",
           "METADATA", "DROPPED_TYPES", "NUMERIC_PRESETS", "SETTINGS_TYPES"]

# --------------------------------------------------------------------------- column headers

#: first header token → our key, per sheet (pyxform ``survey_header``, ``list_header``,
#: ``settings_header``; its ``("bind", x)`` pairs are resolved by :data:`GROUPED`)
SURVEY_HEADERS: dict[str, str] = {
    "caption": "label", "relevance": "relevant", "constraining_message": "constraint_message",
    "calculate": "calculation", "command": "type", "tag": "name", "value": "name",
    "readonly": "read_only", "count": "repeat_count", "jr:count": "repeat_count",
    "noapperrorstring": "no_app_error_string", "requiredmsg": "required_message",
    "image": "media:image", "big-image": "media:big-image", "audio": "media:audio",
    "video": "media:video", "body": "body", "save_to": "save_to",
    "rows": "rows", "autoplay": "autoplay",
}
CHOICES_HEADERS: dict[str, str] = {
    "caption": "label", "list name": "list_name", "value": "name",
    "image": "media:image", "big-image": "media:big-image", "audio": "media:audio",
    "video": "media:video",
}
SETTINGS_HEADERS: dict[str, str] = {
    "form_title": "title", "set_form_title": "title", "form_id": "form_id",
    "set_form_id": "form_id", "id_string": "form_id", "prefix": "prefix",
}
HEADERS = {"survey": SURVEY_HEADERS, "choices": CHOICES_HEADERS, "settings": SETTINGS_HEADERS}

#: ``bind:relevant``, ``control:appearance``, ``media::image::English``…: (group, inner) → key
GROUPED: dict[tuple[str, str], str] = {
    ("bind", "relevant"): "relevant", ("bind", "constraint"): "constraint",
    ("bind", "required"): "required", ("bind", "jr:constraintmsg"): "constraint_message",
    ("bind", "jr:requiredmsg"): "required_message", ("bind", "readonly"): "read_only",
    ("bind", "calculate"): "calculation", ("bind", "jr:noapperrorstring"): "no_app_error_string",
    ("control", "appearance"): "appearance", ("control", "jr:count"): "repeat_count",
    ("control", "rows"): "rows", ("control", "autoplay"): "autoplay",
    ("control", "intent"): "intent",
}
GROUP_PREFIXES = ("bind", "control", "media", "instance")


def snake(text: str) -> str:
    """pyxform's ``to_snake_case``: words joined by ``_``, lower case."""
    return "_".join(text.split()).lower()


def header_key(header: str, sheet: str, double_colon: bool) -> tuple[str, str | None]:
    """``(key, language spec)`` of a column header, as pyxform reads it.

    ``label::English (en)`` → ``("label", "English (en)")``; ``LIST NAME`` → ``("list_name",
    None)``; ``bind:relevant`` → ``("relevant", None)``; ``media::audio::chinese`` →
    ``("media:audio", "chinese")``. A sheet where no header holds ``::`` splits on a single
    ``:`` (pyxform's old style, ``label:English``). An unknown header comes back snake-cased.
    """
    clean = " ".join(header.split())
    if "::" in clean or double_colon:
        tokens = [t.strip() for t in clean.split("::")]
    else:
        tokens = [t.strip() for t in clean.split(":")]
        while "jr" in [t.lower() for t in tokens[:-1]]:  # jr:count, bind:jr:constraintMsg
            at = [t.lower() for t in tokens].index("jr")
            tokens[at:at + 2] = [f"jr:{tokens[at + 1]}"]
    tokens = [t for t in tokens if t] or [""]
    first = snake(tokens[0])
    rest = tokens[1:]
    aliases = HEADERS.get(sheet, {})
    first = aliases.get(first, aliases.get(first.replace("_", " "), first))
    if first in GROUP_PREFIXES and rest:
        inner = snake(rest[0])
        rest = rest[1:]
        if first == "media":
            first = f"media:{inner}"
        else:
            first = GROUPED.get((first, inner), f"{first}:{inner}")
    return first, ("::".join(rest) if rest else None)


# --------------------------------------------------------------------------- yes / no

YES = {"yes", "true", "true()", "1", "có"}
NO = {"", "no", "false", "false()", "0", "không"}


def yes_no(text: str) -> bool | None:
    """pyxform's yes/no words in any case (``yes``, ``TRUE``, ``true()``…); ``None`` for
    anything else (an expression)."""
    lowered = text.strip().lower()
    if lowered in YES:
        return True
    if lowered in NO:
        return False
    return None


# --------------------------------------------------------------------------- question types

#: every spelling pyxform knows (``QUESTION_TYPE_DICT`` keys and ``_type_alias_map``), lower
#: case → one canonical name per meaning
QUESTION_TYPES: dict[str, str] = {
    **dict.fromkeys(["integer", "int", "q int", "add integer prompt"], "integer"),
    **dict.fromkeys(["decimal", "q decimal", "add decimal prompt"], "decimal"),
    **dict.fromkeys(["text", "string", "q string", "add text prompt"], "text"),
    **dict.fromkeys(["note", "q note", "add note prompt"], "note"),
    **dict.fromkeys(["range"], "range"),
    **dict.fromkeys(["percentage"], "percentage"),
    **dict.fromkeys(["number of days in last month"], "number of days in last month"),
    **dict.fromkeys(["number of days in last six months"],
                    "number of days in last six months"),
    **dict.fromkeys(["number of days in last year"], "number of days in last year"),
    **dict.fromkeys(["select one", "select one using", "q select1",
                     "add select one prompt using"], "select_one"),
    **dict.fromkeys(["select all that apply", "select all that apply from",
                     "select multiple from", "q select", "select multiple using",
                     "add select multiple prompt using"], "select_multiple"),
    **dict.fromkeys(["select one external"], "select_one_external"),
    **dict.fromkeys(["rank"], "rank"),
    # dropped: answers we cannot ask or store
    **dict.fromkeys(["geopoint", "location", "gps", "q geopoint", "q location",
                     "add location prompt"], "geopoint"),
    **dict.fromkeys(["geotrace", "q geotrace"], "geotrace"),
    **dict.fromkeys(["geoshape", "q geoshape"], "geoshape"),
    **dict.fromkeys(["date", "q date", "add date prompt"], "date"),
    **dict.fromkeys(["time"], "time"),
    **dict.fromkeys(["datetime", "date time", "q date time", "q datetime",
                     "add date time prompt", "add datetime prompt"], "datetime"),
    **dict.fromkeys(["image", "photo", "q image", "q picture", "add image prompt",
                     "add photo prompt"], "image"),
    **dict.fromkeys(["audio", "q audio", "add audio prompt"], "audio"),
    **dict.fromkeys(["video", "q video", "add video prompt"], "video"),
    **dict.fromkeys(["file", "add file prompt"], "file"),
    **dict.fromkeys(["barcode", "q barcode", "add barcode prompt"], "barcode"),
    **dict.fromkeys(["calculate", "q calculate", "add calculate prompt"], "calculate"),
    **dict.fromkeys(["hidden"], "hidden"),
    **dict.fromkeys(["acknowledge", "q acknowledge", "add acknowledge prompt"], "acknowledge"),
    **dict.fromkeys(["trigger"], "trigger"),
    **dict.fromkeys(["osm"], "osm"),
    **dict.fromkeys(["xml-external"], "xml-external"),
    **dict.fromkeys(["csv-external"], "csv-external"),
    **dict.fromkeys(["phone number"], "phone number"),
    # metadata: facts about the device, the person or the moment — never collected
    **dict.fromkeys(["start", "start time", "get start time"], "start"),
    **dict.fromkeys(["end", "end time", "get end time"], "end"),
    **dict.fromkeys(["today", "get today"], "today"),
    **dict.fromkeys(["deviceid", "device id", "get device id", "imei"], "deviceid"),
    **dict.fromkeys(["subscriberid", "subscriber id", "get subscriber id"], "subscriberid"),
    **dict.fromkeys(["simserial", "sim id", "get sim id"], "simserial"),
    **dict.fromkeys(["phonenumber", "get phone number"], "phonenumber"),
    **{name: name for name in ("username", "email", "audit", "start-geopoint",
                               "background-geopoint", "background-audio", "uri:deviceid",
                               "uri:email", "uri:username", "uri:phonenumber",
                               "uri:subscriberid", "uri:simserial")},
}
METADATA = frozenset({"start", "end", "today", "deviceid", "subscriberid", "simserial",
                      "phonenumber", "username", "email", "audit", "start-geopoint",
                      "background-geopoint", "background-audio", "uri:deviceid", "uri:email",
                      "uri:username", "uri:phonenumber", "uri:subscriberid", "uri:simserial"})
DROPPED_TYPES = frozenset({"geopoint", "geotrace", "geoshape", "date", "time", "datetime",
                           "image", "audio", "video", "file", "barcode", "calculate", "hidden",
                           "acknowledge", "trigger", "osm", "xml-external", "csv-external",
                           "phone number", "select_one_external", "select_one_from_file",
                           "select_multiple_from_file", "unknown"})
#: types pyxform turns into an integer with a fixed range: (min, max)
NUMERIC_PRESETS = {"percentage": (0, 100), "number of days in last month": (0, 31),
                   "number of days in last six months": (0, 183),
                   "number of days in last year": (0, 365)}
#: a survey-sheet row of one of these types sets a setting from its ``name`` cell
SETTINGS_TYPES = {"form_title": "title", "set_form_title": "title", "form_id": "form_id",
                  "set_form_id": "form_id", "prefix": "prefix"}

#: pyxform ``aliases.select`` (and ``select_from_file``) → our select kind
SELECTS: dict[str, str] = {
    "add select one prompt using": "select_one", "select one from": "select_one",
    "select1": "select_one", "select_one": "select_one", "select one": "select_one",
    "select one using": "select_one",
    "add select multiple prompt using": "select_multiple",
    "select all that apply from": "select_multiple", "select_multiple": "select_multiple",
    "select all that apply": "select_multiple", "select multiple from": "select_multiple",
    "select multiple using": "select_multiple",
    "select_one_external": "select_one_external", "select one external": "select_one_external",
    "select_one_from_file": "select_one_from_file", "select one from file":
    "select_one_from_file", "select_multiple_from_file": "select_multiple_from_file",
    "select multiple from file": "select_multiple_from_file", "rank": "rank",
}
#: pyxform ``aliases.control``
CONTROLS = {"group": "group", "lgroup": "repeat", "repeat": "repeat", "loop": "loop",
            "looped group": "repeat"}
OR_OTHER = ("or specify other", "or_other", "or other")

_SELECT_RE = re.compile(
    r"^(?P<command>" + "|".join(sorted(map(re.escape, SELECTS), key=len, reverse=True)) +
    r") (?P<list>\S+)(?: (?P<other>" + "|".join(OR_OTHER) + r"))?$", re.IGNORECASE)
_CONTROL_RE = re.compile(
    r"^(?P<edge>begin|end)[ _](?P<control>" +
    "|".join(sorted(map(re.escape, CONTROLS), key=len, reverse=True)) +
    r")(?: (?:over )?(?P<list>\S+))?$", re.IGNORECASE)


@dataclass(frozen=True)
class TypeSpec:
    """What a ``type`` cell says.

    ``kind`` is ``begin``/``end`` (``name`` = group, repeat or loop; ``list_name`` for a loop),
    ``select`` (``name`` = select_one, select_multiple, rank or an external/file select),
    ``question`` (``name`` = a canonical name of :data:`QUESTION_TYPES`), ``setting`` (``name`` =
    title or form_id) or ``unknown``.
    """

    kind: str
    name: str
    list_name: str = ""
    or_other: bool = False


def parse_type(text: str) -> TypeSpec:
    """Read a ``type`` cell the way pyxform does (any case, any run of spaces)."""
    clean = " ".join(text.split())
    match = _CONTROL_RE.match(clean)
    if match:
        return TypeSpec(match["edge"].lower(), CONTROLS[match["control"].lower()],
                        match["list"] or "")
    match = _SELECT_RE.match(clean)
    if match:
        return TypeSpec("select", SELECTS[match["command"].lower()], match["list"],
                        bool(match["other"]))
    lowered = clean.lower()
    if re.fullmatch(r"osm \S+", lowered):  # pyxform RE_OSM: an OpenStreetMap question
        return TypeSpec("question", "osm")
    if lowered in QUESTION_TYPES:
        return TypeSpec("question", QUESTION_TYPES[lowered])
    if lowered in SETTINGS_TYPES:
        return TypeSpec("setting", SETTINGS_TYPES[lowered])
    return TypeSpec("unknown", clean)
