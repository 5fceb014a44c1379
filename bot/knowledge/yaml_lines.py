"""YAML reading that remembers where each mapping starts and refuses duplicate keys.

PyYAML forgets line numbers once a document is built, and silently keeps the last of two equal
keys; a curator needs both to find a mistake, so mappings come back as `LineDict`s.
"""

from __future__ import annotations

from pathlib import Path

import yaml

# libyaml when the wheel has it: faster start
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineDict(dict):
    """A dict that knows the (1-based) YAML line its mapping started on."""

    line: int = 0


class YamlProblem(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class _LineLoader(_BaseLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) and key is not None:
            raise YamlProblem("a mapping key must be plain text", key_node.start_mark.line + 1)
        if key in mapping:
            raise YamlProblem(f"duplicate key '{key}' in one mapping", key_node.start_mark.line + 1)
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Dates stay text: the loader checks them itself and names the field, where PyYAML would stop the
# whole file with "month must be in 1..12" and no line.
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def read_yaml(path: Path) -> object:
    """Parse one YAML file; raise YamlProblem (with a line where YAML gives one) or OSError."""
    text = path.read_text(encoding="utf-8")
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise YamlProblem(f"not valid YAML: {exc.problem or exc}", line) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"not valid YAML: {exc}", None) from None
