"""shape=, data_shape=, layout=, batch= and element types: parsing (pure) and applying to a model."""

from __future__ import annotations

from typing import Any

import numpy as np
import openvino
import openvino.opset13 as ops
import pytest

from pytest_ovbench.config.settings import SettingsError, validate
from pytest_ovbench.config.shapes import (
    ALL,
    ModelChanges,
    element_type,
    parse_data_shape,
    parse_layout,
    parse_shape,
)
from pytest_ovbench.errors import ModelError
from pytest_ovbench.runtime.prepare import apply_changes


def two_inputs(image: list[int] | None = None) -> Any:
    """Image [?,3,?,?] and a [?,4] side input, both feeding outputs."""
    x = ops.parameter(image or [-1, 3, -1, -1], np.float32, name="image")
    side = ops.parameter([-1, 4], np.float32, name="side")
    y = ops.relu(x)
    y.set_friendly_name("act")
    return openvino.Model([y, ops.relu(side)], [x, side], "two")


@pytest.mark.parametrize(
    ("given", "parsed"),
    [
        ("[1,3,224,224]", {ALL: "[1,3,224,224]"}),
        ("[1, 3, ?, -1]", {ALL: "[1,3,?,?]"}),
        ("image[1,3,1..8,224],side[2,4]", {"image": "[1,3,1..8,224]", "side": "[2,4]"}),
        ({"image": [1, 3, None, 8]}, {"image": "[1,3,?,8]"}),
        ([2, 4], {ALL: "[2,4]"}),
        ("[]", {ALL: "[]"}),
    ],
)
def test_shape_forms(given: Any, parsed: dict[str, str]) -> None:
    assert parse_shape(given) == parsed


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        ("1,3,224,224", r"expected '\[...\]'"),
        ({"image": "1,3"}, "in brackets"),
        ("[1,3,x,224]", "dimension 'x'"),
        ("image[1,2][3,4]", "one shape per input"),
        (3, "expected"),
        ({"": [1]}, "non-empty"),
    ],
)
def test_bad_shapes_say_what_is_wrong(given: Any, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        parse_shape(given)


def test_data_shape_forms_are_concrete() -> None:
    assert parse_data_shape("[1,3,8,8][1,3,16,16]") == {ALL: ["[1,3,8,8]", "[1,3,16,16]"]}
    assert parse_data_shape("image[1,3,8,8][1,3,9,9],side[1,4]") == {
        "image": ["[1,3,8,8]", "[1,3,9,9]"],
        "side": ["[1,4]"],
    }
    assert parse_data_shape({"image": [[1, 3, 8, 8], [2, 3, 8, 8]]}) == {"image": ["[1,3,8,8]", "[2,3,8,8]"]}
    assert parse_data_shape({"side": [1, 4]}) == {"side": ["[1,4]"]}
    with pytest.raises(ValueError, match="must be a number"):
        parse_data_shape("[1,3,?,8]")
    # benchmark_app reads this as x[1,3,48,160] plus the last shape for every input, dropping one.
    with pytest.raises(ValueError, match="one after another: 'x"):
        parse_data_shape("x[1,3,48,160],[1,3,48,320],[1,3,48,640]")
    with pytest.raises(ValueError, match="named twice"):
        parse_shape("x[1,2],x[1,3]")


def test_layouts_and_element_types() -> None:
    assert parse_layout("nchw") == {ALL: "NCHW"}
    assert parse_layout("image[NHWC],side[NC]") == {"image": "NHWC", "side": "NC"}
    assert parse_layout({"side": "N..."}) == {"side": "N..."}
    with pytest.raises(ValueError, match="letters"):
        parse_layout("N-C")
    assert element_type("FP16") == "f16" and element_type("U8") == "u8"
    with pytest.raises(ValueError, match="unknown"):
        element_type("float128")


def test_marker_keywords_are_validated_with_the_keyword_named() -> None:
    cleaned = validate({"shape": "[1,3,8,8]", "batch": 2, "reset_state": 0, "perf_counts": True})
    assert cleaned["shape"] == {ALL: "[1,3,8,8]"} and cleaned["reset_state"] == 0
    for bad in ({"batch": 0}, {"data_shape": "[1,?]"}, {"perf_counts": "yes"}, {"inputs": 5}):
        with pytest.raises(SettingsError) as caught:
            validate(bad)
        assert caught.value.keyword == next(iter(bad))


def test_shape_reshapes_a_clone_and_leaves_the_shared_model_alone() -> None:
    model = two_inputs()
    prepared = apply_changes(model, ModelChanges(shape={"image": "[1,3,32,32]", "side": "[1,4]"}))
    assert prepared is not model
    assert [str(p.get_partial_shape()) for p in prepared.inputs] == ["[1,3,32,32]", "[1,4]"]
    assert model.inputs[0].get_partial_shape().is_dynamic  # the session's copy is unchanged


def test_batch_uses_the_layout_and_names_the_fix_without_one() -> None:
    model = two_inputs([1, 3, 8, 8])
    prepared = apply_changes(model, ModelChanges(layout={"image": "NCHW"}, batch=4))
    assert str(prepared.inputs[0].get_partial_shape()) == "[4,3,8,8]"
    no_batch = openvino.Model([ops.relu(p := ops.parameter([3, 8], np.float32, name="v"))], [p], "nb")
    with pytest.raises(ModelError, match=r"no input has a batch dimension.*layout="):
        apply_changes(no_batch, ModelChanges(batch=2))


def test_unknown_input_names_are_listed() -> None:
    with pytest.raises(ModelError, match=r"shape= names 'imgae'.*'image', 'side'"):
        apply_changes(two_inputs(), ModelChanges(shape={"imgae": "[1,3,8,8]"}))
    with pytest.raises(ModelError, match="output_precision= names 'nope'"):
        apply_changes(two_inputs(), ModelChanges(output_precision={"nope": "f16"}))


def test_impossible_reshape_is_a_model_error_with_openvino_reason() -> None:
    x = ops.parameter([1, 3, 8, 8], np.float32, name="image")
    conv = ops.convolution(x, ops.constant(np.ones((4, 3, 3, 3), np.float32)), [1, 1], [0, 0], [0, 0], [1, 1])
    with pytest.raises(ModelError, match=r"cannot reshape the model to image: \[1,5,8,8\]:\n  \S"):
        apply_changes(openvino.Model([conv], [x], "conv"), ModelChanges(shape={"image": "[1,5,8,8]"}))


def test_element_types_change_tensor_types_not_the_graph() -> None:
    changes = ModelChanges(shape={ALL: "[1,3,8,8]", "side": "[1,4]"}, input_precision={"image": "u8"})
    changes = ModelChanges(
        changes.shape, output_precision={ALL: "f16"}, input_precision=changes.input_precision
    )
    prepared = apply_changes(two_inputs(), changes)
    assert prepared.inputs[0].get_element_type() == openvino.Type.u8
    assert prepared.inputs[1].get_element_type() == openvino.Type.f32
    assert all(p.get_element_type() == openvino.Type.f16 for p in prepared.outputs)
