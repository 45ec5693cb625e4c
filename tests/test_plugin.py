"""The pytest glue, driven through pytester: marker, options, precedence, errors and skips."""

from __future__ import annotations

import subprocess
import sys

import openvino  # imported before pytester's in-process runs snapshot sys.modules
import pytest
from tiny_models import save_tiny

FAST = ["-p", "no:cacheprovider", "--ov-niter=20"]


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester folder with a tiny IR model at model.xml."""
    save_tiny(pytester.path, "model.xml")
    return pytester


def test_contract_examples_pass(suite: pytest.Pytester) -> None:
    save_tiny(suite.path, "b.xml", batch=2)
    suite.makepyfile(
        """
        import numpy as np
        import pytest
        from pytest_ovbench import Measurer, Result

        @pytest.mark.ovbench(model="model.xml", hint="latency", niter=30)
        def test_net_latency(infer_sync: Measurer) -> None:
            result: Result = infer_sync()
            assert isinstance(infer_sync, Measurer) and isinstance(result, Result)
            assert result.count == 30 and result.latency.median < 20.0
            assert isinstance(result.latencies, np.ndarray) and result.latencies.size == 30
            assert result.properties["PERFORMANCE_HINT"] == "LATENCY"

        @pytest.mark.parametrize("ov_model", ["model.xml", "b.xml"], indirect=True)
        @pytest.mark.ovbench(hint="throughput", time=0.2)
        def test_throughput(ov_model, infer_queue):
            result = infer_queue()
            assert result.throughput > 50
            assert result.batch == ov_model.inputs[0].get_shape()[0]
            assert result.duration >= 0.2
        """
    )
    result = suite.runpytest(*FAST)
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*ovbench verdicts*", "test_net_latency*sync*no baseline"])


def test_call_keywords_beat_marker_and_model_object(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        import openvino as ov
        import pytest

        @pytest.mark.ovbench(model="model.xml", niter=5)
        def test_a(infer_sync, ov_model):
            assert infer_sync(niter=7).count == 7
            assert infer_sync(name="again").count == 5
            other = ov.Core().read_model("model.xml")
            assert infer_sync(model=other, name="object", niter=3).count == 3
        """
    )
    suite.runpytest(*FAST[:2]).assert_outcomes(passed=1)


def test_bad_marker_keyword_is_a_usage_error(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        import pytest

        @pytest.mark.ovbench(model="model.xml", nitre=5)
        def test_typo(infer_sync):
            infer_sync()
        """
    )
    result = suite.runpytest(*FAST)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_typo*ovbench(nitre=5)*unknown keyword*"])


def test_bad_marker_value_is_a_usage_error(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        import pytest

        @pytest.mark.ovbench(model="model.xml", hint="fastest")
        def test_hint(infer_sync):
            infer_sync()
        """
    )
    result = suite.runpytest(*FAST)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_hint*ovbench(hint='fastest')*expected one of latency*"])


def test_bad_call_keyword_fails_the_test(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        import pytest

        @pytest.mark.ovbench(model="model.xml")
        def test_call(infer_queue):
            infer_queue(nireq=-2)
        """
    )
    result = suite.runpytest(*FAST)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*test_call*infer_queue(nireq=-2)*positive whole number*"])


def test_no_model_errors_with_how_to_give_one(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        def test_none(ov_model):
            pass

        def test_none_sync(infer_sync):
            infer_sync()
        """
    )
    result = suite.runpytest(*FAST)
    result.assert_outcomes(errors=1, failed=1)
    result.stdout.fnmatch_lines(["*no model given*mark.ovbench(model=*"])


def test_missing_and_corrupt_model_files_are_named(suite: pytest.Pytester) -> None:
    (suite.path / "corrupt.onnx").write_bytes(b"not a model")
    suite.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("ov_model", ["nowhere.xml", "corrupt.onnx"], indirect=True)
        def test_bad(ov_model):
            pass
        """
    )
    result = suite.runpytest(*FAST)
    result.assert_outcomes(errors=2)
    out = result.stdout.str()
    assert "model file not found:" in out and "nowhere.xml" in out
    assert "OpenVINO cannot read model" in out and "corrupt.onnx" in out
    assert "Exception from src" not in out  # no C++ trace frames


def test_unavailable_device_skips_listing_devices(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        import pytest

        @pytest.mark.ovbench(model="model.xml", device="CPU")
        def test_dev(infer_sync):
            infer_sync(device="CPU")
        """
    )
    result = suite.runpytest(*FAST, "--ov-device=NOSUCHDEV", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*'NOSUCHDEV' is not available here (available: *CPU*"])
    strict = suite.runpytest(*FAST, "--ov-device=NOSUCHDEV", "--ov-strict")
    strict.assert_outcomes(failed=1)


def test_ini_device_is_only_a_default(suite: pytest.Pytester) -> None:
    suite.makeini("[pytest]\nov_device = NOSUCHDEV\n")
    suite.makepyfile(
        """
        import pytest

        @pytest.mark.ovbench(model="model.xml")
        def test_ini(infer_sync):
            infer_sync()

        @pytest.mark.ovbench(model="model.xml", device="CPU")
        def test_marker(infer_sync):
            assert infer_sync().device == "CPU"
        """
    )
    suite.runpytest(*FAST).assert_outcomes(skipped=1, passed=1)


def test_bad_option_value_is_quoted(suite: pytest.Pytester) -> None:
    result = suite.runpytest("--ov-time=soon")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*'soon' is not a number of seconds*"])


def test_duplicate_measurement_name_is_refused(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        """
        import pytest

        @pytest.mark.ovbench(model="model.xml")
        def test_twice(infer_sync):
            infer_sync()
            infer_sync()
        """
    )
    result = suite.runpytest(*FAST)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*second measurement named 'sync'*name=*"])


def test_markers_and_fixtures_are_documented(pytester: pytest.Pytester) -> None:
    markers = pytester.runpytest("--markers")
    markers.stdout.fnmatch_lines(["@pytest.mark.ovbench(model=None, device='CPU', hint=None, niter=*"])
    fixtures = pytester.runpytest("--fixtures")
    fixtures.stdout.fnmatch_lines(["infer_sync*", "*synchronous loop*", "infer_queue*", "ov_model*"])


def test_plugin_import_does_not_import_openvino() -> None:
    code = "import sys, pytest_ovbench.plugin.hooks; sys.exit('openvino' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_dynamic_inputs_without_shape_are_named(pytester: pytest.Pytester) -> None:
    import numpy as np
    import openvino.opset13 as ops

    param = ops.parameter([-1, 3, 8, 8], np.float32, name="pixels")
    openvino.save_model(openvino.Model([ops.relu(param)], [param], "dyn"), pytester.path / "dyn.xml")
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ovbench(model="dyn.xml")
        def test_dyn(infer_sync):
            infer_sync()
        """
    )
    result = pytester.runpytest(*FAST)
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert "dyn.xml: the model has dynamic inputs: pixels [?,3,8,8]. Say what to run it with" in text
    assert "shape=" in text and "data_shape=" in text
