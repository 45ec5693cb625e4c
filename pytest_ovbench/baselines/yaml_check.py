"""Reading a baseline file safely and checking its shape; the data model it must have.

Data model, every key a string::

    test id -> measurement name -> environment key -> entry (a mapping owned by the caller)

Only ``yaml.safe_load``'s construction is used, by a SafeLoader that checks every parser event
(``yaml_loading.py``: no anchors or aliases, bounded depth, finite numbers, no duplicate keys), so
a baseline file can never run code or expand into gigabytes; the bytes come from ``reading.py``
(regular files of bounded size only). Every problem is a BaselineFileError naming the file, the
line or key path, and the fix. Plain Python: no pytest, no OpenVINO.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import yaml
from yaml.constructor import ConstructorError
from yaml.reader import ReaderError

from pytest_ovbench.baselines.errors import BaselineFileError, shown
from pytest_ovbench.baselines.yaml_loading import RefusedYaml, load_document

__all__ = [
    "FORMAT_VERSION",
    "Entries",
    "EntryKey",
    "EntryValidator",
    "check_tests",
    "iter_entries",
    "parse_text",
]

Entries = dict[str, dict[str, dict[str, dict[str, Any]]]]
"""test id -> measurement name -> environment key -> entry."""
EntryKey = tuple[str, str, str]
"""(test id, measurement name, environment key)."""
EntryValidator = Callable[[dict[str, Any]], None]
"""Checks one entry; raises ValueError with a message saying what is wrong with it."""

FORMAT_VERSION = 1

_ENTRY_FIX = "To fix: edit or delete that entry by hand, or re-record it with `pytest --ov-update-baselines`."
_SCALARS = (str, int, float, bool, datetime.date, type(None))
_KIND_NAMES = {
    type(None): "null",
    bool: "bool",
    int: "int",
    float: "float",
    str: "string",
    list: "list",
    dict: "mapping",
}


def iter_entries(entries: Entries) -> Iterator[tuple[EntryKey, dict[str, Any]]]:
    """Every ``((test id, measurement, environment key), entry)`` in ``entries``."""
    for test_id, measurements in entries.items():
        for measurement, environments in measurements.items():
            for env_key, entry in environments.items():
                yield (test_id, measurement, env_key), entry


def parse_text(path: Path, text: str | None, validate_entry: EntryValidator | None = None) -> Entries:
    """The entries of baseline file text (None or empty: ``{}``); errors name ``path``.

    Invalid YAML, a wrong structure or an entry that ``validate_entry`` rejects (with ValueError)
    raise BaselineFileError.
    """
    if text is None:
        return {}
    document = _safe_load(path, text)
    if document is None:  # empty, or comments only
        return {}
    try:
        _check_plain_data(document)
        entries = _check_document(document)
    except ValueError as error:
        raise BaselineFileError(path, None, str(error)) from error
    if validate_entry is not None:
        _validate_entries(path, entries, validate_entry)
    return entries


def _safe_load(path: Path, text: str) -> object:
    try:
        return load_document(text)
    except RefusedYaml as error:
        raise BaselineFileError(path, error.line, error.reason) from error
    except yaml.MarkedYAMLError as error:
        raise BaselineFileError(path, _error_line(error), _yaml_reason(error)) from error
    except ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        # For str input PyYAML reports the code point of the character as an int.
        reason = f"invalid YAML: character U+{error.character:04X} is not allowed"
        raise BaselineFileError(path, line, reason) from error
    except yaml.YAMLError as error:
        raise BaselineFileError(path, None, f"invalid YAML: {error}") from error
    except RecursionError as error:  # a safety net: yaml_loading bounds the depth first
        raise BaselineFileError(path, None, "nested too deeply for a baseline file") from error
    except (ValueError, OverflowError) as error:  # a safety net: yaml_loading constructs scalars first
        raise BaselineFileError(path, None, f"a value cannot be read ({type(error).__name__})") from error


def _error_line(error: yaml.MarkedYAMLError) -> int | None:
    mark = error.problem_mark or error.context_mark
    return None if mark is None else mark.line + 1


def _yaml_reason(error: yaml.MarkedYAMLError) -> str:
    problem = error.problem or "cannot parse"
    if isinstance(error, ConstructorError) and "constructor for the tag" in problem:
        tag = problem.rsplit(" ", 1)[-1]
        return (
            f"the tag {tag} is refused, not executed: baseline files hold plain data only "
            "(strings, numbers, booleans, null, lists, mappings)"
        )
    if not error.context:
        return f"invalid YAML: {problem}"
    # The line above is where YAML noticed; the context often starts earlier (an unclosed "[").
    started = f" (line {error.context_mark.line + 1})" if error.context_mark else ""
    return f"invalid YAML: {error.context}{started}: {problem}"


def _check_plain_data(document: object) -> None:
    """Refuse data that could not be written back as it was read.

    safe_load builds only plain types, but a YAML alias makes two places share one object (a cycle
    or a "billion laughs" file would explode when written out in full), and non-string keys,
    sets, pairs and binary do not fit the data model. Iterative, so depth is no problem.
    """
    seen: set[int] = set()
    pending: list[tuple[object, tuple[str, ...]]] = [(document, ())]
    while pending:
        value, where = pending.pop()
        if isinstance(value, (dict, list)):
            if id(value) in seen:
                raise ValueError(
                    f"{_where(where)}: YAML anchors and aliases (& and *) are not supported in "
                    "baseline files; write the value out in full"
                )
            seen.add(id(value))
            pending.extend(_children(value, where))
        elif not isinstance(value, _SCALARS):
            raise ValueError(
                f"{_where(where)}: {_kind(value)} values are not supported; use strings, "
                "numbers, booleans, null, lists and mappings"
            )


def _children(
    container: dict[Any, Any] | list[Any], where: tuple[str, ...]
) -> list[tuple[object, tuple[str, ...]]]:
    if isinstance(container, list):
        return [(item, (*where, f"[{index}]")) for index, item in enumerate(container)]
    for key in container:
        if not isinstance(key, str):
            raise ValueError(f"{_where(where)}: key {key!r} is {_kind(key)}, not a string; put it in quotes")
    return [(item, (*where, key)) for key, item in container.items()]


def _check_document(document: object) -> Entries:
    if not isinstance(document, dict):
        raise ValueError(f"top level: expected a mapping with `version` and `tests`, got {_kind(document)}")
    unknown = sorted(set(document) - {"version", "tests"})
    if unknown:
        raise ValueError(f"top level: unknown key {unknown[0]!r}; only `version` and `tests` go here")
    if "version" not in document:
        raise ValueError(f"top level: missing `version: {FORMAT_VERSION}`")
    version = document["version"]
    if type(version) is not int or version != FORMAT_VERSION:
        raise ValueError(
            f"version: {version!r} is not supported; this pytest-ovbench reads version "
            f"{FORMAT_VERSION} (upgrade pytest-ovbench, or re-record the file)"
        )
    if "tests" not in document:
        raise ValueError("top level: missing `tests`")
    return check_tests(document["tests"])


def check_tests(tests: object) -> Entries:
    """``tests`` itself once its four levels are mappings; ValueError naming the key path if not."""
    for test_id, measurements in _as_mapping(tests, ("tests",), "test ids").items():
        where = ("tests", test_id)
        for measurement, envs in _as_mapping(measurements, where, "measurement names").items():
            env_where = (*where, measurement)
            for env_key, entry in _as_mapping(envs, env_where, "environment keys").items():
                _as_mapping(entry, (*env_where, env_key), "entry fields")
    return cast(Entries, tests)


def _as_mapping(value: object, where: tuple[str, ...], of_what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{_where(where)}: expected a mapping of {of_what}, got {_kind(value)}")
    return value


def _validate_entries(path: Path, entries: Entries, validate_entry: EntryValidator) -> None:
    for (test_id, measurement, env_key), entry in iter_entries(entries):
        try:
            validate_entry(entry)
        except ValueError as error:
            reason = (
                f"entry for test {shown(test_id)}, measurement {shown(measurement)}, "
                f"environment {shown(env_key)}: {error}"
            )
            raise BaselineFileError(path, None, reason, _ENTRY_FIX) from error


def _where(path: tuple[str, ...]) -> str:
    # Keys cut short: a hostile file's 15 kB key must not hide the reason that follows.
    return " -> ".join(part if len(part) <= 80 else f"{part[:77]}..." for part in path) or "top level"


def _kind(value: object) -> str:
    return _KIND_NAMES.get(type(value), type(value).__name__)
