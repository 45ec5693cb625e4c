"""What identifies the machine a baseline belongs to (its *hardware class*), and what is recorded
beside it.

OpenVINO picks kernels by instruction set at run time, and runs f32 models in bf16 where the CPU
can, so two runners of similar speed can run different code. The environment key therefore names
what decides which kernels run and how fast:

* the device and its FULL_DEVICE_NAME (under a hypervisor just ``AMD EPYC``: not enough alone);
* for CPU, the instruction-set class: the highest of :data:`ISA_CLASSES` whose flags the CPU has
  (Linux ``/proc/cpuinfo``), capped by ``OV_CPU_MAX_ISA`` when that is set (OpenVINO's CPU plugin
  honours it); where the flags cannot be read, the machine architecture;
* the default inference precision the device reports (``INFERENCE_PRECISION_HINT``: ``f32``,
  ``bf16``, ``f16``);
* for CPU, the number of logical CPUs this process may run on (``os.sched_getaffinity``, so a CI
  container limited to 4 of 64 cores is keyed as 4).

For example ``CPU | AMD EPYC | AVX2 | f32 | 2 cpus`` or ``CPU | AMD EPYC | AVX-512 BF16 | bf16 | 2 cpus``.
Nothing in it wobbles between runs on one machine (no frequencies, no load). The OpenVINO version
and the model hash are recorded in each entry but are never part of the key: an upgrade or a
changed model is exactly what the gate exists to judge.

Keys written before hardware classes (``CPU | AMD EPYC | 2 cpus``) cannot tell which class made
them; they are never used for a verdict (see :func:`is_classified`).
"""

from __future__ import annotations

import os
import platform
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SEPARATOR = " | "

# Lowest to highest, each with the CPU flags it needs (the highest whose flags are all there wins).
# Names follow what a reader of CPU specifications knows; the OV_CPU_MAX_ISA spelling is beside.
ISA_CLASSES: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("SSE4.1", "SSE41", frozenset({"sse4_1"})),
    ("AVX", "AVX", frozenset({"avx"})),
    ("AVX2", "AVX2", frozenset({"avx2", "fma"})),
    ("AVX2 VNNI", "AVX2_VNNI", frozenset({"avx2", "avx_vnni"})),
    ("AVX-512", "AVX512_CORE", frozenset({"avx512f", "avx512bw", "avx512vl", "avx512dq"})),
    ("AVX-512 VNNI", "AVX512_CORE_VNNI", frozenset({"avx512f", "avx512bw", "avx512_vnni"})),
    ("AVX-512 BF16", "AVX512_CORE_BF16", frozenset({"avx512f", "avx512_vnni", "avx512_bf16"})),
    ("AVX-512 FP16", "AVX512_CORE_FP16", frozenset({"avx512f", "avx512_bf16", "avx512_fp16"})),
    ("AMX", "AVX512_CORE_AMX", frozenset({"avx512f", "avx512_bf16", "amx_tile", "amx_bf16", "amx_int8"})),
    ("AMX FP16", "AVX512_CORE_AMX_FP16", frozenset({"avx512f", "amx_tile", "amx_bf16", "amx_fp16"})),
)
_CPUINFO = Path("/proc/cpuinfo")
_PRECISIONS = {"float32": "f32", "bfloat16": "bf16", "float16": "f16", "f32": "f32", "bf16": "bf16"}


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


def cpu_flags(cpuinfo: Path = _CPUINFO) -> frozenset[str] | None:
    """The CPU's feature flags (Linux), or None where they cannot be read."""
    try:
        with cpuinfo.open(encoding="ascii", errors="replace") as lines:
            for line in lines:
                if line.startswith("flags"):
                    return frozenset(line.partition(":")[2].split())
    except OSError:
        return None
    return None


def isa_class(flags: Iterable[str] | None, max_isa: str | None = None) -> str:
    """The highest instruction-set class the flags allow, capped at ``max_isa`` (an
    ``OV_CPU_MAX_ISA`` value; unknown values cap nothing, as OpenVINO ignores them)."""
    if flags is None:
        return platform.machine() or "unknown ISA"
    have = set(flags)
    found = [name for name, _, needs in ISA_CLASSES if needs <= have]
    cap = [name for name, ov_name, _ in ISA_CLASSES if ov_name == (max_isa or "").strip().upper()]
    if cap and found:
        names = [name for name, _, _ in ISA_CLASSES]
        found = [name for name in found if names.index(name) <= names.index(cap[0])]
    return found[-1] if found else platform.machine() or "unknown ISA"


def inference_precision(core: Any, device: str) -> str:
    """The device's default inference precision, short (``f32``, ``bf16``, ``f16``), or ''."""
    try:
        value = core.get_property(device, "INFERENCE_PRECISION_HINT")
    except Exception:  # devices without the property (AUTO, some plugins)
        return ""
    name = value.get_type_name() if hasattr(value, "get_type_name") else str(value)
    text = str(name).strip().lower()
    return _PRECISIONS.get(text, text)


def environment_key(core: Any, device: str) -> str:
    """e.g. ``CPU | Intel(R) Xeon(R) Platinum 8480+ | AMX | bf16 | 4 cpus``."""
    parts = [device, full_device_name(core, device)]
    is_cpu = device.split(".", 1)[0].upper() == "CPU"
    if is_cpu:
        parts.append(isa_class(cpu_flags(), os.environ.get("OV_CPU_MAX_ISA")))
    parts.append(inference_precision(core, device))
    if is_cpu:
        parts.append(f"{logical_cpus()} cpus")
    return SEPARATOR.join(p for p in parts if p)


def is_classified(key: str) -> bool:
    """Whether a stored key names a hardware class. Keys written before classes had three parts
    for CPU (device, name, CPU count) and two elsewhere: they cannot tell which kernels made
    their figures."""
    parts = key.split(SEPARATOR)
    return len(parts) >= (5 if parts[0].split(".", 1)[0].upper() == "CPU" else 3)


def openvino_version() -> str:
    import openvino

    return str(openvino.get_version())
