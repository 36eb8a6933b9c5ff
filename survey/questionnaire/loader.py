"""Reading definitions from YAML text or files (YAML or XLSForm), with line numbers for errors.

PyYAML's ``compose`` gives every node its position; we walk that tree once to map each path
(``("pages", 2, "items", 4, "options", 1)``) to its line, so a validation message can say
``ne-tranh-trach-nhiem.yaml:231: item B4, option 7: duplicate code 7``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from survey.questionnaire.errors import DefinitionError
from survey.questionnaire.model import Path as NodePath

__all__ = ["yaml_locations", "parse_yaml", "load_text", "load_file", "read_file", "dump_yaml"]

MAX_YAML_BYTES = 2 * 1024 * 1024
MAX_NODES = 200_000  # guards against alias ("billion laughs") blow-ups and absurd files
XLSX_SUFFIXES = (".xlsx", ".xlsm")


class _TooLarge(Exception):
    pass


def yaml_locations(root: yaml.Node | None) -> tuple[dict[NodePath, int], list[str]]:
    """Map each path to its 1-based line, and list duplicate keys (PyYAML keeps the last one
    silently, which would hide a designer's mistake)."""
    locations: dict[NodePath, int] = {}
    duplicates: list[str] = []
    seen = 0

    def visit(node: yaml.Node, path: NodePath) -> None:
        nonlocal seen
        seen += 1
        if seen > MAX_NODES:
            raise _TooLarge
        locations.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            keys: dict[Any, int] = {}
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                if key is None:
                    continue
                if key in keys and key != "<<":
                    duplicates.append(f"{key_node.start_mark.line + 1}: duplicate key {key!r} "
                                      f"(first at line {keys[key]})")
                keys.setdefault(key, key_node.start_mark.line + 1)
                child = path + (key,)
                locations.setdefault(child, key_node.start_mark.line + 1)
                visit(value_node, child)
        elif isinstance(node, yaml.SequenceNode):
            for index, child_node in enumerate(node.value):
                visit(child_node, path + (index,))

    if root is not None:
        visit(root, ())
    return locations, duplicates


def parse_yaml(text: str, source: str) -> tuple[Any, dict[NodePath, int]]:
    """YAML text → (data, locations). Raises :class:`DefinitionError` naming ``source``."""
    if len(text) > MAX_YAML_BYTES:
        raise DefinitionError([f"{source}: file larger than {MAX_YAML_BYTES // 1024} KB"])
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        locations, duplicates = yaml_locations(root)
        data = yaml.safe_load(text)
    except _TooLarge:
        raise DefinitionError([f"{source}: too many YAML nodes (more than {MAX_NODES}); "
                               "aliases expanding without end?"]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise DefinitionError([f"{source}{line}: YAML syntax error: {problem}"]) from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        raise DefinitionError([f"{source}: YAML syntax error: {exc}"]) from None
    if duplicates:
        raise DefinitionError([f"{source}:{entry}" for entry in duplicates])
    return data, locations


def load_text(text: str, source: str = "<text>") -> dict[str, Any]:
    """Load YAML text into the canonical, validated dict; raises :class:`DefinitionError`."""
    from survey.questionnaire.validator import check

    data, locations = parse_yaml(text, source)
    definition, errors = check(data, source, locations)
    if errors:
        raise DefinitionError(errors)
    return definition


def read_file(path: str | Path) -> tuple[dict[str, Any], list[str]]:
    """Read a YAML or XLSForm file: (canonical dict, notes about dropped XLSForm features).

    Raises :class:`DefinitionError` on any problem, unreadable file included.
    """
    path = Path(path)
    if path.suffix.lower() in XLSX_SUFFIXES:
        from survey.questionnaire.xlsform import read_xlsform

        return read_xlsform(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DefinitionError([f"{path.name}: cannot read the file: {exc.strerror or exc}"]) \
            from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DefinitionError([f"{path.name}: not UTF-8 text (byte {exc.start}); "
                               "save the file as UTF-8"]) from None
    return load_text(text, path.name), []


def load_file(path: str | Path) -> dict[str, Any]:
    """Load a YAML (or XLSForm ``.xlsx``) definition as the canonical, validated dict.

    Raises :class:`DefinitionError` naming the file, line and item of every problem.
    """
    definition, _notes = read_file(path)
    return definition


class _Dumper(yaml.SafeDumper):
    """Block style, no anchors/aliases (shared option lists are copies, not references), and
    long text folded at a readable width."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _short_flow(dumper: _Dumper, data: dict[Any, Any]) -> yaml.Node:
    # An option ({code, label}) or a row reads best on one line, as in the shipped files.
    flow = set(data) <= {"code", "id", "label", "other", "missing", "exclusive", "report"} and \
        all(not isinstance(v, (dict, list)) or (isinstance(v, dict) and
            all(isinstance(t, str) and len(t) < 90 for t in v.values())) for v in data.values())
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


_LINE_BREAKS = ("\x85", "\u2028", "\u2029")


def _text(dumper: _Dumper, data: str) -> yaml.Node:
    # YAML reads NEL and the Unicode line/paragraph separators as line breaks: a label holding
    # one must be written double-quoted, where they are escaped (\N, \L, \P).
    style = '"' if any(mark in data for mark in _LINE_BREAKS) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(dict, _short_flow)
_Dumper.add_representer(str, _text)


def dump_yaml(definition: dict[str, Any]) -> str:
    """The definition as YAML text, in the layout of the shipped files.

    Shared option lists are written once: an item with ``options_from`` does not repeat its
    options. ``load_text(dump_yaml(d)) == normalize(d)`` for every valid definition, and dumping
    the result again gives the same text. Raises :class:`DefinitionError` if ``definition`` cannot
    be normalised.
    """
    from survey.questionnaire.model import normalize

    data = normalize(definition)
    for page in data.get("pages") or []:
        for item in page.get("items") or []:
            if "options_from" in item:
                item.pop("options", None)
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100,
                     default_flow_style=False)
