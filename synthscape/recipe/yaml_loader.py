"""Reading YAML input safely: bounded size and depth, no duplicate keys, clear encodings.

``yaml.safe_load`` alone accepts three kinds of hostile or mistaken input that this module
refuses, each as a :class:`~synthscape.errors.RecipeError` naming the file, the key and the
line:

* **Alias bombs.** Aliases share nodes, so a 300-byte file can stand for a billion-node
  document that only explodes later (validation, error messages). The composed node graph is
  measured as the tree it expands to (memoised, linear in the file) before anything is
  constructed, and refused above :data:`MAX_NODES` expanded nodes or when an alias refers to
  its own ancestor.
* **Deep nesting.** Composition stops at :data:`MAX_DEPTH` levels, long before Python's
  recursion limit.
* **Duplicate keys** at any level (PyYAML keeps the last one silently).

Files are UTF-8 (a UTF-8 byte-order mark is fine); UTF-16 and UTF-32 are read when they start
with a byte-order mark, as the YAML specification requires. Anything else is refused with
the position of the first bad byte.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from synthscape.errors import RecipeError
from synthscape.recipe.distributions import MAX_ECHO_CHARS, short_repr

MAX_NODES = 100_000
"""Largest document, counted as the nodes of the tree it expands to (aliases expanded)."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and sequences."""
MAX_FILE_BYTES = 16 * 1024 * 1024
"""Largest file read at all."""

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
_MERGE_TAG = "tag:yaml.org,2002:merge"


class YamlInputError(yaml.YAMLError):
    """Input refused by :class:`RecipeLoader`; carries the key path and the 1-based line."""

    def __init__(self, key: str, line: int | None, message: str):
        super().__init__(message)
        self.key = key if len(key) <= MAX_ECHO_CHARS else key[:MAX_ECHO_CHARS - 3] + "..."
        self.line, self.message = line, message


def _join(path: list[str]) -> str:
    out = ""
    for part in path:
        out += part if part.startswith("[") or not out else "." + part
    return out


class RecipeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that bounds depth and expanded size and refuses duplicate keys."""

    def __init__(self, stream: Any):
        super().__init__(stream)
        self._path: list[str] = []

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:  # noqa: N803, D102 - PyYAML hook
        # The scanner rechecks every open flow level per token, O(depth^2), and may run ahead
        # of the composer (which names the key), so a 30 kB line of '[' would take minutes.
        if self.flow_level >= 2 * MAX_DEPTH:
            mark = self.get_mark()
            raise YamlInputError("", mark.line + 1, f"column {mark.column + 1}: nested more than "
                                 f"{MAX_DEPTH} levels deep; recipes need a handful of levels")
        super().fetch_flow_collection_start(TokenClass)

    def compose_node(self, parent: Node | None, index: Any) -> Node:  # noqa: D102 - PyYAML hook
        if isinstance(index, ScalarNode):
            self._path.append(str(index.value)[:60])
        elif isinstance(index, int):
            self._path.append(f"[{index}]")
        else:
            self._path.append("?" if parent is not None else "")
        try:
            if len(self._path) > MAX_DEPTH + 1:
                mark = self.peek_event().start_mark
                raise YamlInputError(_join(self._path[1:9]) + "...", mark.line + 1,
                                     f"nested more than {MAX_DEPTH} levels deep; recipes need a "
                                     "handful of levels")
            return super().compose_node(parent, index)
        finally:
            self._path.pop()

    def compose_mapping_node(self, anchor: str | None) -> MappingNode:  # noqa: D102 - PyYAML hook
        node = super().compose_mapping_node(anchor)
        first_line: dict[Any, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == _MERGE_TAG:
                continue
            key = self.construct_object(key_node)
            line = key_node.start_mark.line + 1
            if key in first_line:
                raise YamlInputError(_join([*self._path[1:], str(key)[:60]]), line,
                                     f"duplicate key {short_repr(key)} (first given on line "
                                     f"{first_line[key]}); a key may appear once per mapping: "
                                     "remove or merge one")
            first_line[key] = line
        return node

    def construct_document(self, node: Node) -> Any:  # noqa: D102 - PyYAML hook
        check_expanded_size(node)
        return super().construct_document(node)


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def check_expanded_size(root: Node, limit: int = MAX_NODES) -> int:
    """Count the nodes of the tree ``root`` expands to, without expanding it.

    Returns:
        The expanded node count.

    Raises:
        YamlInputError: more than ``limit`` nodes, or an alias inside its own anchor.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            if sizes[key] > limit:
                raise YamlInputError("", node.start_mark.line + 1,
                                     f"the document expands to more than {limit} values (nested "
                                     "aliases: an alias bomb?); write the values out or use fewer "
                                     "aliases")
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise YamlInputError("", node.start_mark.line + 1,
                                 "an alias refers to the mapping or list that contains it")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)
    return sizes[id(root)]


def decode_yaml_bytes(data: bytes, source: str) -> str:
    """Text of a YAML file: UTF-8, or UTF-16/32 with a byte-order mark.

    Raises:
        RecipeError: any other encoding, naming the offset of the first bad byte.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise RecipeError(source, [("", f"not valid {encoding.upper()} text (byte offset "
                                                f"{error.start}); save the file as UTF-8")]) from None
    if b"\x00" in data:
        raise RecipeError(source, [("", "the file holds NUL bytes (UTF-16 or UTF-32 without a "
                                        "byte-order mark?); save it as UTF-8")])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise RecipeError(source, [("", f"line {line}: not UTF-8 text (byte 0x{data[error.start]:02x} "
                                        f"at offset {error.start}); save the file as UTF-8")]) from None


def read_yaml_text(path: str | os.PathLike[str]) -> str:
    """Read a YAML file's text, refusing huge files and unknown encodings (see module doc).

    Raises:
        RecipeError: the file is too large or not UTF-8/16/32 text.
    """
    file = Path(path)
    size = file.stat().st_size
    if size > MAX_FILE_BYTES:
        raise RecipeError(str(path), [("", f"the file is {size} bytes; YAML input is limited to "
                                           f"{MAX_FILE_BYTES} bytes")])
    return decode_yaml_bytes(file.read_bytes(), str(path))


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML text with :class:`RecipeLoader`.

    Raises:
        RecipeError: naming ``source``, the key path (when known), the line and the problem.
    """
    try:
        return yaml.load(text, Loader=RecipeLoader)  # noqa: S506 - RecipeLoader is a SafeLoader
    except YamlInputError as error:
        where = f"line {error.line}: " if error.line else ""
        raise RecipeError(source, [(error.key, f"{where}{error.message}")]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = short_repr(str(getattr(error, "problem", None) or error))[1:-1]
        raise RecipeError(source, [("", f"{where}not valid YAML ({problem})")]) from None
    except RecursionError:
        raise RecipeError(source, [("", f"nested too deeply; keep nesting under {MAX_DEPTH} "
                                        "levels")]) from None


def load_yaml_file(path: str | os.PathLike[str]) -> Any:
    """Read and parse a YAML file safely (for recipes and other YAML input such as augment configs).

    Raises:
        RecipeError: the file is too large, badly encoded, not YAML, or refused by
            :class:`RecipeLoader`.
    """
    return parse_yaml(read_yaml_text(path), str(path))
