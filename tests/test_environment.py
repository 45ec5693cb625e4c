"""Hardware classes: what the environment key names, and that a baseline of another class is never used."""

from __future__ import annotations

import json
import os
from pathlib import Path

import openvino as ov
import pytest
import yaml
from tiny_models import save_tiny

from pytest_ovbench.engine.judging import missing_baseline
from pytest_ovbench.runtime.environment import (
    ISA_CLASSES,
    cpu_flags,
    environment_key,
    inference_precision,
    is_classified,
    isa_class,
)

AVX2_EPYC = [
    "fpu",
    "sse",
    "sse2",
    "ssse3",
    "sse4_1",
    "sse4_2",
    "avx",
    "f16c",
    "fma",
    "avx2",
    "bmi2",
    "sha_ni",
    "vaes",
]
AVX512_BF16_EPYC = [
    *AVX2_EPYC,
    *["avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16"],
]
SAPPHIRE_RAPIDS = [*AVX512_BF16_EPYC, *["avx_vnni", "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8"]]


@pytest.mark.parametrize(
    ("flags", "cap", "expected"),
    [
        (AVX2_EPYC, None, "AVX2"),
        (AVX512_BF16_EPYC, None, "AVX-512 BF16"),
        (AVX512_BF16_EPYC, "AVX2", "AVX2"),  # OV_CPU_MAX_ISA=AVX2: OpenVINO runs AVX2 kernels
        (AVX512_BF16_EPYC, "avx512_core", "AVX-512"),
        (SAPPHIRE_RAPIDS, None, "AMX"),
        (SAPPHIRE_RAPIDS, "AVX512_CORE_BF16", "AVX-512 BF16"),
        (AVX2_EPYC, "SSE41", "SSE4.1"),
        (AVX2_EPYC, "AVX512_CORE", "AVX2"),  # a cap above the CPU raises nothing
        (AVX2_EPYC, "NO_SUCH_ISA", "AVX2"),  # OpenVINO ignores unknown values; so does the key
    ],
)
def test_the_isa_class_is_the_highest_the_flags_allow_under_the_cap(
    flags: list[str], cap: str | None, expected: str
) -> None:
    assert isa_class(flags, cap) == expected


def test_without_flags_the_class_is_the_architecture() -> None:
    assert isa_class(None) not in {name for name, _, _ in ISA_CLASSES}
    assert isa_class(None)


def test_cpu_flags_are_read_from_cpuinfo(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu avx2 fma\n\nflags\t: other\n")
    assert cpu_flags(cpuinfo) == {"fpu", "avx2", "fma"}
    assert cpu_flags(tmp_path / "missing") is None


def test_the_key_names_device_class_precision_and_cpus_and_is_stable() -> None:
    core = ov.Core()
    key = environment_key(core, "CPU")
    parts = key.split(" | ")
    assert parts[0] == "CPU" and parts[-1].endswith(" cpus") and len(parts) == 5
    assert parts[2] == isa_class(cpu_flags(), os.environ.get("OV_CPU_MAX_ISA"))
    assert parts[3] == inference_precision(core, "CPU") and parts[3] in {"f32", "bf16", "f16"}
    assert is_classified(key)
    assert environment_key(ov.Core(), "CPU") == key  # a second core, a second reading: same key


def test_keys_written_before_hardware_classes_are_recognised() -> None:
    assert not is_classified("CPU | AMD EPYC | 2 cpus")
    assert not is_classified("GPU | Intel(R) Arc(TM) A770")
    assert is_classified("CPU | AMD EPYC | AVX-512 BF16 | bf16 | 2 cpus")
    assert is_classified("GPU | Intel(R) Arc(TM) A770 | f16")


def test_a_missing_baseline_names_the_classes_that_have_one() -> None:
    mine = "CPU | AMD EPYC | AVX2 | f32 | 2 cpus"
    other = "CPU | AMD EPYC | AVX-512 BF16 | bf16 | 2 cpus"
    text = missing_baseline("baselines/test_a.yaml", mine, [other, "CPU | AMD EPYC | 2 cpus"])
    assert f"for this runner's class {mine!r}" in text
    assert f"baselines exist for other classes: {other!r}" in text
    assert "recorded before hardware classes are not used ('CPU | AMD EPYC | 2 cpus')" in text
    assert "re-record" in text
    assert missing_baseline("b.yaml", mine, []) == f"no entry in b.yaml for this runner's class {mine!r}"


TEST_FILE = """
import pytest

@pytest.mark.ovbench(model="model.xml", niter=40, tolerance=5.0)
def test_lat(infer_sync):
    infer_sync()
"""


def lower_isa() -> str:
    """An OV_CPU_MAX_ISA value below this CPU's class, so one machine plays a second class."""
    names = [name for name, _, _ in ISA_CLASSES]
    here = names.index(isa_class(cpu_flags())) if isa_class(cpu_flags()) in names else 0
    return "AVX2" if here > names.index("AVX2") else "SSE41"


@pytest.mark.skipif(cpu_flags() is None, reason="needs /proc/cpuinfo to tell the CPU's class")
def test_a_baseline_of_another_class_is_never_used(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_tiny(pytester.path, "model.xml")
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(test_perf=TEST_FILE)
    # OV_CPU_MAX_ISA is read when OpenVINO's CPU plugin loads: a process of its own.
    monkeypatch.setenv("OV_CPU_MAX_ISA", lower_isa())
    recorded = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--ov-update-baselines")
    monkeypatch.delenv("OV_CPU_MAX_ISA")
    recorded.assert_outcomes(passed=1)
    stored = yaml.safe_load((pytester.path / "baselines" / "test_perf.yaml").read_text())
    (other,) = stored["tests"]["test_lat"]["sync"]
    here = environment_key(ov.Core(), "CPU")
    assert other != here and other.split(" | ")[2] == isa_class(cpu_flags(), lower_isa())

    out = pytester.path / "out.json"
    judged = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--ov-json={out}")
    judged.assert_outcomes(passed=1)
    (record,) = json.loads(out.read_text())["measurements"]
    assert record["verdict"] == "no baseline" and record["other_classes"] == [other]
    assert record["environment"] == here
    judged.stdout.fnmatch_lines(
        [
            "test_lat*sync*no baseline",
            f"ovbench: 1 measurement(s) have no baseline for this runner's hardware class '{here}'*",
            f"ovbench: baselines of other classes (never used here): '{other}'",
        ]
    )
    strict = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--ov-strict")
    strict.assert_outcomes(failed=1)
    strict.stdout.fnmatch_lines(["*has no baseline (no entry in baselines/test_perf.yaml for this runner's*"])
