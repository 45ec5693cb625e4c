"""benchmark_app's options as ovbench keywords, end to end through pytester: shapes, inputs,
compile options, cold start and memory metrics, per-layer counters and plan changes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import openvino as ov
import pytest
import yaml
from tiny_models import conv_relu, dynamic_conv, multi_input_model

FAST = ["-p", "no:cacheprovider", "--ov-niter=60", "-o", "ov_busy_limit=1"]


def stored_entry(pytester: pytest.Pytester, test: str) -> dict[str, Any]:
    """The one entry a test recorded (its only measurement, its only environment)."""
    data = yaml.safe_load((pytester.path / "baselines" / "test_keywords.yaml").read_text())
    (entry,) = [e for by_env in data["tests"][test].values() for e in by_env.values()]
    return dict(entry)


def run(pytester: pytest.Pytester, source: str, *args: str) -> tuple[pytest.RunResult, list[dict[str, Any]]]:
    """Run a test module; returns the result and the --ov-json records."""
    pytester.makepyfile(test_keywords=source)
    out = pytester.path / "out.json"
    out.unlink(missing_ok=True)
    result = pytester.runpytest(*FAST, f"--ov-json={out}", *args)
    records = json.loads(out.read_text())["measurements"] if out.exists() else []
    return result, records


def test_shape_batch_and_layout_reshape_before_compiling(pytester: pytest.Pytester) -> None:
    ov.save_model(dynamic_conv(), pytester.path / "dyn.xml")
    result, records = run(
        pytester,
        """
        import pytest

        @pytest.mark.ovbench(model="dyn.xml", shape="[1,3,16,16]", batch=3, layout="NCHW")
        def test_batched(infer_queue):
            result = infer_queue()
            assert result.batch == 3
        """,
    )
    result.assert_outcomes(passed=1)
    record = records[0]
    assert record["batch"] == 3
    assert record["settings"]["shape"] == {"*": "[1,3,16,16]"} and record["settings"]["batch"] == 3
    assert record["figures"]["throughput"] == pytest.approx(3 * record["count"] / record["duration"])


def test_data_shape_groups_reach_the_records(pytester: pytest.Pytester) -> None:
    ov.save_model(dynamic_conv(), pytester.path / "dyn.xml")
    result, records = run(
        pytester,
        """
        import pytest

        @pytest.mark.ovbench(model="dyn.xml", data_shape="[1,3,8,8][1,3,24,24]")
        def test_groups(infer_sync):
            assert len(infer_sync().groups) == 2
        """,
    )
    result.assert_outcomes(passed=1)
    groups = records[0]["groups"]
    assert set(groups) == {"[1,3,8,8]", "[1,3,24,24]"}
    assert groups["[1,3,8,8]"]["count"] == groups["[1,3,24,24]"]["count"]


def test_input_files_relative_to_rootdir_and_their_errors(pytester: pytest.Pytester) -> None:
    ov.save_model(multi_input_model(), pytester.path / "multi.xml")
    (pytester.path / "data").mkdir()
    np.save(pytester.path / "data" / "image.npy", np.ones((1, 4), np.float32))
    np.save(pytester.path / "wrong.npy", np.ones((2, 4), np.float32))
    result, records = run(
        pytester,
        """
        import pytest

        @pytest.mark.ovbench(model="multi.xml", inputs={"image": "data", "rate": 16000})
        def test_files(infer_sync):
            infer_sync()

        @pytest.mark.ovbench(model="multi.xml", inputs={"image": "wrong.npy"})
        def test_wrong_shape(infer_sync):
            infer_sync()
        """,
    )
    result.assert_outcomes(passed=1, failed=1)
    assert records[0]["settings"]["inputs"]["rate"] == 16000
    result.stdout.fnmatch_lines(["*inputs=*'image'*[[]1,4[]]*wrong.npy*[[]2,4[]]*"])


def test_config_file_and_its_errors(pytester: pytest.Pytester) -> None:
    ov.save_model(conv_relu(), pytester.path / "model.xml")
    (pytester.path / "cpu.json").write_text(json.dumps({"CPU": {"NUM_STREAMS": "2", "PERF_COUNT": "NO"}}))
    (pytester.path / "gpu.json").write_text(json.dumps({"GPU": {"NUM_STREAMS": "2"}}))
    (pytester.path / "broken.json").write_text('{"CPU": {"NUM_STREAMS": }')
    result, records = run(
        pytester,
        """
        import pytest

        @pytest.mark.ovbench(model="model.xml", config="cpu.json", hint="none")
        def test_from_file(infer_queue):
            infer_queue()

        @pytest.mark.ovbench(model="model.xml", config="gpu.json")
        def test_no_section(infer_sync):
            infer_sync()

        @pytest.mark.ovbench(model="model.xml", config="broken.json")
        def test_broken(infer_sync):
            infer_sync()
        """,
    )
    result.assert_outcomes(passed=1, failed=2)
    assert records[0]["properties"]["NUM_STREAMS"] == 2
    result.stdout.fnmatch_lines(["*gpu.json has no section for device CPU (it has GPU)*"])
    result.stdout.fnmatch_lines(["*broken.json is not valid JSON: * at line 1, column *"])


def test_cold_start_and_memory_are_recorded_and_gateable(pytester: pytest.Pytester) -> None:
    ov.save_model(conv_relu(), pytester.path / "model.xml")
    source = """
        import pytest

        @pytest.mark.ovbench(model="model.xml", cache_dir="cache",
                             gate=["compile_ms", "cached_compile_ms", "read_ms", "infer_memory_mb"],
                             tolerance={"compile_ms": 5.0, "cached_compile_ms": 5.0, "read_ms": 5.0})
        def test_cold(infer_sync):
            infer_sync()
        """
    result, _ = run(pytester, source, "--ov-update-baselines")
    result.assert_outcomes(passed=1)
    metrics = stored_entry(pytester, "test_cold")["metrics"]
    for name in ("read_ms", "compile_ms", "cached_compile_ms", "first_inference_ms", "infer_memory_mb"):
        assert metrics[name]["value"] > 0, name
    assert any((pytester.path / "cache").iterdir())  # the model cache was written
    result, records = run(pytester, source)
    result.assert_outcomes(passed=1)
    gated = {c["metric"]: c["status"] for c in records[0]["comparisons"]}
    assert set(gated) == {"compile_ms", "cached_compile_ms", "read_ms", "infer_memory_mb"}
    assert "regressed" not in gated.values()


def test_an_unusable_cache_folder_is_named(pytester: pytest.Pytester) -> None:
    ov.save_model(conv_relu(), pytester.path / "model.xml")
    (pytester.path / "afile").write_text("not a folder")
    result, _ = run(
        pytester,
        """
        import pytest

        @pytest.mark.ovbench(model="model.xml", cache_dir="afile/cache")
        def test_cache(infer_sync):
            infer_sync()
        """,
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*cannot create the model cache folder *afile/cache*"])


QUIET_ENOUGH = ("-o", "ov_busy_limit=1")  # never set a run aside as busy

PLAN_TEST = """
import pytest

@pytest.mark.ovbench(model="model.xml", tolerance=5.0)  # plan changes only, never timing
def test_plan(infer_sync):
    infer_sync()
"""


def test_a_lost_fusion_is_reported_exactly_and_can_fail(pytester: pytest.Pytester) -> None:
    # Plan changes are exact; timing must not decide the outcome here, not even "the machine was
    # busy" (another test running beside this one): that would fold the plan lines into its warning.
    ov.save_model(conv_relu(), pytester.path / "model.xml")
    result, _ = run(pytester, PLAN_TEST, "--ov-update-baselines", "--ov-perf-counts")
    result.assert_outcomes(passed=1)
    layers = stored_entry(pytester, "test_plan")["layers"]
    # The device's default precision: f32, or bf16 on a CPU that has it.
    default = ov.Core().get_property("CPU", "INFERENCE_PRECISION_HINT").get_type_name()
    assert layers["relu"]["status"] == "NOT_RUN" and layers["conv"]["exec_type"].endswith(f"_{default}")

    result, records = run(pytester, PLAN_TEST, *QUIET_ENOUGH, "--ov-perf-counts")  # same model: same plan
    result.assert_outcomes(passed=1)
    assert records[0]["layer_changes"] == [] and records[0]["layers"]

    ov.save_model(conv_relu(tap=True), pytester.path / "model.xml")  # the Relu can't fuse now
    result, records = run(pytester, PLAN_TEST, *QUIET_ENOUGH, "--ov-perf-counts")
    result.assert_outcomes(passed=1, warnings=1)  # a warning by default
    result.stdout.fnmatch_lines(["*OvbenchWarning: ovbench: *test_plan 'sync': execution plan changed*"])
    assert any(
        line.startswith("relu (") and "now runs on its own" in line for line in records[0]["layer_changes"]
    )
    result, _ = run(pytester, PLAN_TEST, *QUIET_ENOUGH, "--ov-perf-counts", "--ov-fail-on-plan-change")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*execution plan changed*", "*relu (*): undef (NOT_RUN) -> *"])


def test_regression_message_lists_the_layers_that_moved(pytester: pytest.Pytester, tmp_path: Path) -> None:
    from tiny_models import build_heavy, build_tiny

    ov.save_model(build_tiny(), pytester.path / "model.xml")
    source = PLAN_TEST.replace("tolerance=5.0", "tolerance=0.05")
    result, _ = run(pytester, source, "--ov-update-baselines", "--ov-perf-counts")
    result.assert_outcomes(passed=1)
    ov.save_model(build_heavy(), pytester.path / "model.xml")  # tens of times the work
    result, _ = run(pytester, source, "--ov-perf-counts")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*layers whose time moved most:*", "*ms*"])


# mean_values= / scale_values= / reverse_input_channels= (benchmark_app's preprocessing)

RGB = (200, 100, 50)  # the one colour of the test image, as red, green, blue


def passthrough(shape: tuple[int, ...] = (1, 3, 8, 8), layout: str | None = None) -> Any:
    """A model whose output is its input (times 1): what preprocessing did to the data shows."""
    import openvino.opset13 as ops

    image = ops.parameter(list(shape), ov.Type.f32, name="image")
    if layout is not None:
        image.set_layout(ov.Layout(layout))
    return ov.Model([ops.result(ops.multiply(image, ops.constant(np.float32(1.0))))], [image], "passthrough")


def model_sees(tmp_path: Path, **keywords: Any) -> Any:
    """What the model sees of a one-colour PNG fed as ``inputs=`` feeds it: a [3] pixel, channel order."""
    from PIL import Image

    from pytest_ovbench.config.settings import Settings, validate
    from pytest_ovbench.inputs.feeds import plan_feeds
    from pytest_ovbench.runtime.prepare import apply_changes

    Image.new("RGB", (8, 8), RGB).save(tmp_path / "frame.png")
    settings = Settings(**validate(keywords))
    model = apply_changes(passthrough(), settings.changes())
    (feed,) = plan_feeds(model, {}, "frame.png", tmp_path)
    output = ov.Core().compile_model(model, "CPU")(list(feed.arrays))[0]
    return output[0, :, 0, 0]


def test_images_are_fed_bgr_0_255_as_benchmark_app_feeds_them(tmp_path: Path) -> None:
    assert model_sees(tmp_path) == pytest.approx([50, 100, 200])


def test_reverse_input_channels_and_scale_values_give_rgb_over_255(tmp_path: Path) -> None:
    seen = model_sees(tmp_path, reverse_input_channels=True, scale_values=255)
    assert seen == pytest.approx([200 / 255, 100 / 255, 50 / 255])


def test_mean_then_scale_per_channel_in_the_models_channel_order(tmp_path: Path) -> None:
    seen = model_sees(
        tmp_path, reverse_input_channels=True, mean_values="[100,50,25]", scale_values=[2, 5, 25]
    )
    assert seen == pytest.approx([(200 - 100) / 2, (100 - 50) / 5, (50 - 25) / 25])
    named = model_sees(tmp_path, mean_values={"image": [10, 20, 30]}, input_precision="u8")
    assert named == pytest.approx([50 - 10, 100 - 20, 200 - 30])


@pytest.mark.parametrize(
    ("model", "keywords", "complaint"),
    [
        (passthrough((1, 6)), {"reverse_input_channels": True}, "no input has 3 channels"),
        (passthrough((1, 6)), {"mean_values": [1, 2, 3]}, "mean_values= without an input name"),
        (passthrough((1, 6)), {"scale_values": {"image": [1, 2]}}, "whose layout has no C"),
        (passthrough(layout="NCHW"), {"mean_values": "image[1,2]"}, "mean/scale"),
        (passthrough(), {"scale_values": {"mask": 2}}, "scale_values= names 'mask'"),
    ],
)
def test_preprocessing_that_cannot_apply_is_named(
    model: Any, keywords: dict[str, Any], complaint: str
) -> None:
    from pytest_ovbench.config.settings import Settings, validate
    from pytest_ovbench.errors import ModelError
    from pytest_ovbench.runtime.prepare import apply_changes

    with pytest.raises(ModelError, match=re.escape(complaint)):
        apply_changes(model, Settings(**validate(keywords)).changes())


def test_preprocessing_keywords_through_the_marker(pytester: pytest.Pytester) -> None:
    ov.save_model(passthrough(), pytester.path / "image.xml")
    result, records = run(
        pytester,
        """
        import pytest

        @pytest.mark.ovbench(
            model="image.xml", reverse_input_channels=True, mean_values="[123.675,116.28,103.53]",
            scale_values=[58.395, 57.12, 57.375],
        )
        def test_normalized(infer_sync):
            infer_sync()
        """,
    )
    result.assert_outcomes(passed=1)
    settings = records[0]["settings"]
    assert settings["reverse_input_channels"] is True
    assert settings["mean_values"] == {"*": [123.675, 116.28, 103.53]}
    assert settings["scale_values"] == {"*": [58.395, 57.12, 57.375]}


def test_bad_preprocessing_values_are_usage_errors(pytester: pytest.Pytester) -> None:
    result, _ = run(
        pytester,
        """
        import pytest

        @pytest.mark.ovbench(model="image.xml", scale_values="[255,0,255]")
        def test_bad(infer_sync):
            infer_sync()
        """,
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*test_bad: @pytest.mark.ovbench(scale_values='[[]255,0,255[]]'): a scale of 0*"]
    )
