"""Baseline storage: one YAML file per test module under the baselines folder.

Data model, every key a string::

    test id -> measurement name -> environment key -> entry (a mapping owned by the caller)

Reading uses ``yaml.safe_load`` only, so a baseline file can never run code. Writing merges updates
into the file under an exclusive lock and replaces the file atomically, so parallel workers lose no
entry and a run killed mid-write leaves the old file whole. Plain Python: no pytest, no OpenVINO.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import numbers
import os
import secrets
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, cast

import yaml
from yaml.constructor import ConstructorError
from yaml.reader import ReaderError

if sys.platform != "win32":
    import fcntl

__all__ = [
    "FORMAT_VERSION",
    "SIGNIFICANT_DIGITS",
    "BaselineError",
    "BaselineFileError",
    "BaselineWriteError",
    "Entries",
    "EntryKey",
    "EntryValidator",
    "dump_entries",
    "iter_entries",
    "load_entries",
    "module_file",
    "write_entries",
]

Entries = dict[str, dict[str, dict[str, dict[str, Any]]]]
"""test id -> measurement name -> environment key -> entry."""
EntryKey = tuple[str, str, str]
"""(test id, measurement name, environment key)."""
EntryValidator = Callable[[dict[str, Any]], None]
"""Checks one entry; raises ValueError with a message saying what is wrong with it."""

FORMAT_VERSION = 1
SIGNIFICANT_DIGITS = 4

_HEADER = "# pytest-ovbench baselines. Written by `pytest --ov-update-baselines`; review changes like code."
_FILE_FIX = "To fix: edit the file by hand, or delete it and re-record with `pytest --ov-update-baselines`."
_ENTRY_FIX = "To fix: edit or delete that entry by hand, or re-record it with `pytest --ov-update-baselines`."
_WRITE_FIX = (
    "To fix: make that folder writable, or point the ini option `ov_baselines_dir` at a writable folder."
)
_LOCK_FIX = "To fix: make the temporary folder writable, or set TMPDIR to one that is."
_SCALARS = (str, int, float, bool, datetime.date, type(None))
_KEPT_AS_IS = (type(None), bool, datetime.date, datetime.datetime)  # exact types: safe representers
_KIND_NAMES = {
    type(None): "null",
    bool: "bool",
    int: "int",
    float: "float",
    str: "string",
    list: "list",
    dict: "mapping",
}


class BaselineError(Exception):
    """Base of the errors raised here; ``str(error)`` is a complete message for the user."""


class BaselineFileError(BaselineError):
    """A baseline file that cannot be used.

    ``path`` is the file, ``line`` the 1-based line where YAML reports one (else None), and
    ``reason`` what is wrong; the message adds how to fix it.
    """

    def __init__(self, path: Path, line: int | None, reason: str, fix: str = _FILE_FIX) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        self.fix = fix
        where = f"{path}, line {line}" if line is not None else str(path)
        super().__init__(f"Unusable baseline file {where}: {reason}\n{fix}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuild from the fields so the error survives pickling (multiprocessing, xdist).
        return (type(self), (self.path, self.line, self.reason, self.fix))


class BaselineWriteError(BaselineError):
    """Baselines cannot be written: ``path`` (file or folder), the OS ``reason``, and the fix."""

    def __init__(self, path: Path, reason: str, fix: str = _WRITE_FIX) -> None:
        self.path = path
        self.reason = reason
        self.fix = fix
        super().__init__(f"Cannot write baselines to {path}: {reason}\n{fix}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.reason, self.fix))


def module_file(baselines_dir: Path, module_relpath: str) -> Path:
    """The baseline file for a test module: ``tests/test_models.py`` -> ``tests/test_models.yaml``.

    ``module_relpath`` is the module path relative to pytest's rootdir with ``/`` separators (the
    part of a node id before ``::``). A non-``.py`` path gets ``.yaml`` appended. Absolute paths
    and ``..`` components raise ValueError, so a crafted node id cannot escape ``baselines_dir``.
    """
    relpath = PurePosixPath(module_relpath)
    # PureWindowsPath also splits on "\" and sees drives, which Path would honour on Windows.
    windows_path = PureWindowsPath(module_relpath)
    if relpath.is_absolute() or windows_path.anchor or ".." in windows_path.parts:
        raise ValueError(f"module path must be relative and stay inside: {module_relpath!r}")
    if not relpath.parts:
        raise ValueError(f"module path names no file: {module_relpath!r}")
    if relpath.suffix == ".py":
        relpath = relpath.with_suffix(".yaml")
    else:
        relpath = relpath.with_name(f"{relpath.name}.yaml")
    return baselines_dir.joinpath(*relpath.parts)


def iter_entries(entries: Entries) -> Iterator[tuple[EntryKey, dict[str, Any]]]:
    """Every ``((test id, measurement, environment key), entry)`` in ``entries``."""
    for test_id, measurements in entries.items():
        for measurement, environments in measurements.items():
            for env_key, entry in environments.items():
                yield (test_id, measurement, env_key), entry


def load_entries(path: Path, validate_entry: EntryValidator | None = None) -> Entries:
    """Read the baseline file at ``path``; a missing or empty file gives ``{}``.

    Only ``yaml.safe_load`` is used: a tag that would build a Python object is refused, never
    executed. Invalid YAML, a wrong structure or an entry that ``validate_entry`` rejects (with
    ValueError) raise BaselineFileError naming the file and the line or key path.
    """
    return _parse(path, _read_text(path), validate_entry)


def write_entries(path: Path, updates: Mapping[EntryKey, dict[str, Any] | None]) -> None:
    """Merge ``updates`` into the baseline file at ``path``, creating it and its folders if needed.

    A dict replaces the entry under its key, None deletes it (and parents left empty; the file
    itself once no entry remains). Every other entry is kept. The read-merge-write runs under an
    exclusive ``fcntl.flock`` on a lock file in the temporary folder, so xdist workers or CI jobs
    on one machine updating the same file lose no entry; Windows has no fcntl and gets no lock.
    The file is replaced atomically (temp file, fsync, os.replace). A corrupt existing file raises
    BaselineFileError and is left as it is; OS errors raise BaselineWriteError.
    """
    if not updates:
        return
    prepared = _prepare_updates(updates)
    _create_folder(path.parent)
    with _exclusive_lock(path):
        old_text = _read_text(path)
        entries = _parse(path, old_text)
        _apply_updates(entries, prepared)
        if not entries:
            _remove_file(path)
            return
        new_text = dump_entries(entries)
        if new_text != old_text:  # leave an unchanged file alone (mtime, inode)
            _write_atomically(path, new_text)


def dump_entries(entries: Entries) -> str:
    """The text of a baseline file holding ``entries``: header comment, version, tests.

    Deterministic and diff-friendly: keys sorted, no anchors or aliases, lists of numbers on one
    line, floats rounded to SIGNIFICANT_DIGITS significant digits, numpy scalars and arrays
    written as plain numbers and lists. Raises TypeError for values YAML cannot hold as plain
    data and ValueError if ``entries`` does not have the four-level shape.
    """
    tests = _check_tests(_plain(entries))
    body: str = yaml.dump(
        {"tests": tests},
        Dumper=_BaselineDumper,
        sort_keys=True,
        default_flow_style=False,
        allow_unicode=True,
        width=sys.maxsize,  # never wrap long keys or strings
    )
    return f"{_HEADER}\nversion: {FORMAT_VERSION}\n{body}"


# Reading


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):  # no file yet; writing will say what's wrong
        return None
    except UnicodeDecodeError as error:
        reason = f"not UTF-8 text ({error.reason} at byte {error.start})"
        raise BaselineFileError(path, None, reason) from error
    except OSError as error:
        raise BaselineFileError(path, None, f"cannot read it: {_os_reason(error)}") from error


def _parse(path: Path, text: str | None, validate_entry: EntryValidator | None = None) -> Entries:
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
        _refuse_anchors(path, text)
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        raise BaselineFileError(path, _error_line(error), _yaml_reason(error)) from error
    except ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        # For str input PyYAML reports the code point of the character as an int.
        reason = f"invalid YAML: character U+{error.character:04X} is not allowed"
        raise BaselineFileError(path, line, reason) from error
    except yaml.YAMLError as error:
        raise BaselineFileError(path, None, f"invalid YAML: {error}") from error
    except RecursionError as error:
        raise BaselineFileError(path, None, "nested too deeply for a baseline file") from error


def _refuse_anchors(path: Path, text: str) -> None:
    """Refuse anchors and aliases from the event stream, before anything is composed.

    Composing is where a merge-key (``<<``) bomb expands to gigabytes in PyYAML before 6.0.4, so
    the check runs on parser events (streaming, bounded memory) ahead of ``safe_load``.
    """
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            line = None if event.start_mark is None else event.start_mark.line + 1
            reason = (
                "YAML anchors and aliases (& and *) are not supported in baseline files; "
                "write the value out in full"
            )
            raise BaselineFileError(path, line, reason)


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
    return _check_tests(document["tests"])


def _check_tests(tests: object) -> Entries:
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
                f"entry for test {test_id!r}, measurement {measurement!r}, environment {env_key!r}: {error}"
            )
            raise BaselineFileError(path, None, reason, _ENTRY_FIX) from error


def _where(path: tuple[str, ...]) -> str:
    return " -> ".join(path) if path else "top level"


def _kind(value: object) -> str:
    return _KIND_NAMES.get(type(value), type(value).__name__)


# Writing


def _prepare_updates(
    updates: Mapping[EntryKey, dict[str, Any] | None],
) -> dict[EntryKey, dict[str, Any] | None]:
    """Check keys and turn entries into plain data now, so nothing can fail after the merge."""
    prepared: dict[EntryKey, dict[str, Any] | None] = {}
    for key, entry in updates.items():
        if not (isinstance(key, tuple) and len(key) == 3 and all(isinstance(k, str) for k in key)):
            raise TypeError(f"baseline key must be 3 strings (test, measurement, env), got {key!r}")
        if entry is not None and not isinstance(entry, Mapping):
            raise TypeError(f"baseline entry for {key!r} must be a mapping or None, got {entry!r}")
        prepared[key] = None if entry is None else _plain(entry)
    return prepared


def _apply_updates(entries: Entries, updates: Mapping[EntryKey, dict[str, Any] | None]) -> None:
    for (test_id, measurement, env_key), entry in updates.items():
        if entry is None:
            _delete_entry(entries, test_id, measurement, env_key)
        else:
            entries.setdefault(test_id, {}).setdefault(measurement, {})[env_key] = entry


def _delete_entry(entries: Entries, test_id: str, measurement: str, env_key: str) -> None:
    measurements = entries.get(test_id, {})
    environments = measurements.get(measurement, {})
    environments.pop(env_key, None)
    if not environments:
        measurements.pop(measurement, None)
    if not measurements:
        entries.pop(test_id, None)


def _plain(value: object) -> Any:
    """``value`` as plain YAML data: str keys, numpy values converted, floats rounded."""
    if type(value) in _KEPT_AS_IS:
        return value
    if isinstance(value, str):
        return str(value)  # a str subclass such as numpy.str_ has no safe representer
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return _round_significant(float(value))
    if isinstance(value, Mapping):
        return {_plain_key(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if hasattr(value, "tolist"):  # numpy scalars (numpy.bool_ too) and arrays, without numpy
        return _plain(value.tolist())
    raise TypeError(f"cannot store a {type(value).__name__} in a baseline file: {value!r:.80}")


def _plain_key(key: object) -> str:
    if not isinstance(key, str):
        raise TypeError(f"baseline data keys must be strings, got {key!r}")
    return str(key)


def _round_significant(number: float) -> float:
    # Timings vary in the third digit already; more digits are noise that clutters every diff.
    return float(f"{number:.{SIGNIFICANT_DIGITS}g}")


class _BaselineDumper(yaml.SafeDumper):
    """SafeDumper that never writes anchors or aliases, so each entry reads on its own."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_list(dumper: yaml.SafeDumper, items: list[Any]) -> yaml.Node:
    # Lists of numbers (measurement windows) on one line: one changed line per changed entry.
    numbers_only = all(isinstance(item, (int, float)) for item in items)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=numbers_only)


_BaselineDumper.add_representer(list, _represent_list)


def _create_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BaselineWriteError(folder, _os_reason(error)) from error


def _remove_file(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        raise BaselineWriteError(path, _os_reason(error)) from error


def _write_atomically(path: Path, text: str) -> None:
    """Write a temp file in the same folder, fsync it, then os.replace it onto ``path``."""
    # Readers see the old file or the new one, never half of one. The temp name ends in ".tmp",
    # not ".yaml", so one left by a killed run is never read as a baseline.
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        _write_synced(temporary, text)
        os.replace(temporary, path)
    except OSError as error:
        raise BaselineWriteError(path, _os_reason(error)) from error
    finally:
        with contextlib.suppress(OSError):  # already gone after a successful replace
            temporary.unlink()


def _write_synced(path: Path, text: str) -> None:
    # O_EXCL: never write through a file someone else created; mode 0o666 lets the umask decide.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    with open(os.open(path, flags, 0o666), "w", encoding="utf-8", newline="\n") as stream:
        stream.write(text)
        stream.flush()
        os.fsync(stream.fileno())


@contextlib.contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive flock for ``path``; closing the descriptor releases it."""
    if sys.platform == "win32":  # no fcntl: writes are atomic but not serialised
        yield
        return
    lock_path = _lock_path(path)
    try:
        descriptor = _open_lock_file(lock_path)
    except OSError as error:
        raise BaselineWriteError(lock_path, _os_reason(error), _LOCK_FIX) from error
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _lock_path(path: Path) -> Path:
    # Outside the repo so the baselines folder stays clean; lock files are tiny and never
    # deleted, since deleting one while another process waits on it would break the lock.
    digest = hashlib.sha1(os.fsencode(path.resolve()), usedforsecurity=False).hexdigest()
    return Path(tempfile.gettempdir()) / f"pytest-ovbench-{digest}.lock"


def _open_lock_file(lock_path: Path) -> int:
    # Try without O_CREAT first: Linux's protected_regular refuses O_CREAT on another user's
    # file in /tmp. flock works on a read-only descriptor, so another user's lock file is fine.
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        return os.open(lock_path, flags)
    except FileNotFoundError:
        return os.open(lock_path, flags | os.O_CREAT, 0o666)


def _os_reason(error: OSError) -> str:
    return error.strerror or str(error)
