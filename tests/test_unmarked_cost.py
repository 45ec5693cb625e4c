"""What the plugin costs tests that measure nothing: none of its heavy imports (numpy, scipy,
OpenVINO, YAML) happen in a run without ovbench tests (benchmarks/plugin_overhead.py times it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEAVY = ("numpy", "scipy", "openvino", "yaml")

CONFTEST = f"""
import atexit, sys

def _loaded():
    print("PLUGIN LOADED:", "pytest_ovbench.plugin.hooks" in sys.modules)
    print("HEAVY LOADED:", sorted(name for name in {HEAVY!r} if name in sys.modules))

atexit.register(_loaded)
"""

TESTS = """
import pytest

def test_passes():
    pass

def test_fails():
    assert False

@pytest.mark.parametrize("n", [1, 2])
def test_skips(n):
    pytest.skip("unrelated")
"""


def test_a_run_without_ovbench_tests_loads_none_of_its_heavy_modules(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_plain.py").write_text(TESTS)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"]
    done = subprocess.run(
        [*command, f"--junitxml={tmp_path / 'junit.xml'}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr  # test_fails failed, nothing else went wrong
    assert "1 failed, 1 passed, 2 skipped" in done.stdout
    assert "PLUGIN LOADED: True" in done.stdout
    assert "HEAVY LOADED: []" in done.stdout, done.stdout[-2000:]
