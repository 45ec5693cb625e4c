"""What identifies the machine a baseline belongs to, and what is recorded beside it.

The environment key is the device plus what identifies its hardware. For CPU: FULL_DEVICE_NAME and
the number of logical CPUs this process may run on (``os.sched_getaffinity``, so a CI container
limited to 4 of 64 cores is keyed as 4). For other devices: the device name and FULL_DEVICE_NAME.
The OpenVINO version and the model hash are recorded in each entry but are never part of the key:
an upgrade or a changed model is exactly what the gate exists to judge.
"""

from __future__ import annotations

import os
from typing import Any


def logical_cpus() -> int:
    """CPUs this process may use (affinity where the OS tells it, else the machine's count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def full_device_name(core: Any, device: str) -> str:
    try:
        return str(core.get_property(device, "FULL_DEVICE_NAME")).strip()
    except Exception:  # virtual devices (AUTO, MULTI) have no single name
        return ""


def environment_key(core: Any, device: str) -> str:
    """e.g. ``CPU | Intel(R) Xeon(R) Platinum 8480+ | 4 cpus``."""
    parts = [device, full_device_name(core, device)]
    if device.split(".", 1)[0].upper() == "CPU":
        parts.append(f"{logical_cpus()} cpus")
    return " | ".join(p for p in parts if p)


def openvino_version() -> str:
    import openvino

    return str(openvino.get_version())
