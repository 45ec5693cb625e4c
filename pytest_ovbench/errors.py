"""Exceptions with user-facing messages (pure; the pytest glue decides error, skip or failure)."""

from __future__ import annotations

import re

_TRACE_LINE = re.compile(r"^(Exception from \S+|Check '.*' failed at \S+)\s*$")


class OvbenchError(Exception):
    """Base class: ``str()`` is a complete message that names the thing and the fix."""


class ModelError(OvbenchError):
    """The model cannot be found, read, reshaped or compiled."""


class DynamicInputs(ModelError):
    """Inputs with dynamic dimensions and nothing that says what to run them with."""

    def __init__(self, described: list[str], several_inputs: bool = False) -> None:
        # With several inputs, show the named forms (an unnamed shape would apply to every input).
        name = described[0].split(" ")[0]
        shape = f"shape={{'{name}': [1, 3, 224, 224]}}" if several_inputs else "shape='[1,3,224,224]'"
        data = (
            f"data_shape='{name}[1,3,224,224][1,3,448,448]'"
            if several_inputs
            else ("data_shape='[1,3,224,224][1,3,448,448]'")
        )
        super().__init__(
            f"the model has dynamic inputs: {', '.join(described)}. Say what to run it with: "
            f"{shape} (reshape before compiling, like benchmark_app -shape), {data} (keep it dynamic "
            "and run these shapes, like -data_shape), or inputs= files whose arrays have the shapes"
        )


class DeviceUnavailable(OvbenchError):
    """The requested device is not among ``Core.available_devices``."""

    def __init__(self, device: str, available: list[str]) -> None:
        self.device = device
        self.available = available
        listed = ", ".join(available) or "none"
        super().__init__(f"OpenVINO device {device!r} is not available here (available: {listed})")


def openvino_reason(exc: BaseException, max_lines: int = 6) -> str:
    """OpenVINO's message without the C++ 'Exception from file.cpp:N' frames, a few lines at most."""
    lines = [line.rstrip() for line in str(exc).splitlines()]
    kept = [line for line in lines if line.strip() and not _TRACE_LINE.match(line.strip())]
    if len(kept) > max_lines:
        kept = [*kept[: max_lines - 1], f"... ({len(kept) - max_lines + 1} more lines)"]
    return "\n".join(kept) or type(exc).__name__
