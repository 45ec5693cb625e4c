"""``config="file.json"``: OpenVINO properties from a JSON file, in benchmark_app's ``-load_config``
form (what its ``-dump_config`` writes)::

    {"CPU": {"NUM_STREAMS": "2", "PERF_COUNT": "NO"}, "GPU": {...}}

The section of the measured device is used (``CPU`` for ``CPU``; ``GPU.1`` falls back to ``GPU``).
A file whose values are not all sections (``{"NUM_STREAMS": "2"}``) applies to every device.
``"YES"``/``"NO"`` become booleans, as benchmark_app reads them.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path, PurePath
from typing import Any

from pytest_ovbench.config.paths import resolve_path
from pytest_ovbench.config.settings import Settings
from pytest_ovbench.errors import OvbenchError


def read_config(path: Path, device: str) -> dict[str, Any]:
    """The properties ``path`` gives ``device`` (OvbenchError names the file and the problem)."""
    data = _load(path)
    if data and all(isinstance(v, dict) for v in data.values()):
        section = data.get(device, data.get(device.split(".", 1)[0]))
        if section is None:
            raise OvbenchError(
                f"config file {path} has no section for device {device} (it has {', '.join(data)}); "
                f'add one: {{"{device}": {{"NUM_STREAMS": "1"}}}}'
            )
        data = section
    return {key: _value(path, key, value) for key, value in data.items()}


def _load(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise OvbenchError(
            f"config file not found: {path} (relative paths are taken against pytest's rootdir)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise OvbenchError(f"cannot read config file {path}: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise OvbenchError(
            f"config file {path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    if not isinstance(data, dict):
        raise OvbenchError(f"config file {path} must hold a JSON object of devices to properties")
    return data


def _value(path: Path, key: str, value: Any) -> Any:
    if isinstance(value, (dict, list)) or value is None:
        raise OvbenchError(f"config file {path}: property {key} must be a string, number or boolean")
    if value in ("YES", "NO"):
        return value == "YES"
    return value


def with_files(settings: Settings, rootdir: Path) -> Settings:
    """The settings with paths taken against pytest's rootdir and a ``config=`` file read."""
    changed: dict[str, Any] = {}
    if isinstance(settings.config, str):
        changed["config"] = read_config(resolve_path(settings.config, rootdir), settings.device)
    if isinstance(settings.inputs, (str, PurePath)):
        changed["inputs"] = resolve_path(str(settings.inputs), rootdir)
    elif isinstance(settings.inputs, dict):
        changed["inputs"] = {
            name: resolve_path(str(value), rootdir) if isinstance(value, (str, PurePath)) else value
            for name, value in settings.inputs.items()
        }
    return replace(settings, **changed) if changed else settings
