"""Preparing a model before it is compiled, the way benchmark_app does between reading and
compiling: layouts (``layout=``), shapes (``shape=``, ``batch=``), tensor element types
(``input_precision=``, ``output_precision=``) and preprocessing built into the model with OpenVINO's
PrePostProcessor (``reverse_input_channels=``, ``mean_values=``, ``scale_values=``): channels
reversed first (RGB <-> BGR), then the mean subtracted and the result divided by the scale, in f32,
so the values are in the model's channel order (as benchmark_app and model conversion apply them).

The model the session read is shared by every test that names the same file, so a test that
changes it works on a clone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_ovbench.config.shapes import ALL, ModelChanges, for_input, unknown_names
from pytest_ovbench.errors import ModelError
from pytest_ovbench.inputs.layouts import guess_image_layout, is_image_layout, layout_axes

COLOURS = 3  # what reverse_input_channels= reverses, and what unnamed mean/scale values apply to


def port_names(port: Any) -> list[str]:
    """Every name a user may give a port by: its tensor names, then its node's friendly name."""
    return [*sorted(port.get_names()), port.get_node().get_friendly_name()]


def display_name(port: Any) -> str:
    return str(port.get_any_name() if port.get_names() else port.get_node().get_friendly_name())


def _check_names(model: Any, changes: ModelChanges) -> None:
    inputs = [port_names(p) for p in model.inputs]
    outputs = [port_names(p) for p in model.outputs]
    checks = (
        ("shape", changes.shape, inputs),
        ("layout", changes.layout, inputs),
        ("input_precision", changes.input_precision, inputs),
        ("output_precision", changes.output_precision, outputs),
        ("mean_values", changes.mean_values, inputs),
        ("scale_values", changes.scale_values, inputs),
    )
    for keyword, values, known in checks:
        unknown = unknown_names(values, known)
        if unknown:
            names = ", ".join(repr(n[0]) for n in known)
            raise ModelError(
                f"{keyword}= names {unknown[0]!r}, which the model does not have (it has {names})"
            )


def apply_changes(model: Any, changes: ModelChanges) -> Any:
    """A clone of ``model`` with the changes applied (the model itself when there are none)."""
    if not changes:
        return model
    _check_names(model, changes)
    model = model.clone()
    _set_layouts(model, changes.layout)
    shapes = _new_shapes(model, changes)
    if shapes:
        try:
            model.reshape(shapes)
        except Exception as exc:
            from pytest_ovbench.errors import openvino_reason

            wanted = ", ".join(f"{display_name(p)}: {s}" for p, s in shapes.items())
            raise ModelError(
                f"OpenVINO cannot reshape the model to {wanted}:\n  {openvino_reason(exc)}"
            ) from None
    if _processes(changes):
        model = _preprocess(model, changes)
    return model


def _processes(changes: ModelChanges) -> bool:
    return bool(
        changes.input_precision
        or changes.output_precision
        or changes.mean_values
        or changes.scale_values
        or changes.reverse_input_channels
    )


def _set_layouts(model: Any, layouts: Mapping[str, str]) -> None:
    from openvino import Layout

    for port in model.inputs:
        layout = for_input(layouts, port_names(port))
        if layout is not None:
            port.get_node().set_layout(Layout(layout))


def _new_shapes(model: Any, changes: ModelChanges) -> dict[Any, Any]:
    """Port -> PartialShape for every input whose shape changes (shape= first, then batch=)."""
    from openvino import PartialShape

    shapes: dict[Any, Any] = {}
    for port in model.inputs:
        text = for_input(changes.shape, port_names(port))
        shapes[port] = PartialShape(text) if text is not None else port.get_partial_shape()
    if changes.batch is not None:
        _set_batch(model, shapes, changes.batch)
    return {p: s for p, s in shapes.items() if s != p.get_partial_shape()}


def batch_index(port: Any, shape: Any) -> int | None:
    """Where the batch is: N of the layout; without a layout, the first dimension when it is 1 or
    dynamic (benchmark_app's rule); else None."""
    layout = port.get_node().get_layout()
    if layout.has_name("N"):
        return int(layout.get_index_by_name("N"))
    if layout.empty and shape.rank.is_static and len(shape) > 0:
        first = shape[0]
        if first.is_dynamic or first.get_length() in (0, 1):
            return 0
    return None


def _set_batch(model: Any, shapes: dict[Any, Any], batch: int) -> None:
    from openvino import Dimension

    found = False
    for port in model.inputs:
        index = batch_index(port, shapes[port])
        if index is not None:
            shapes[port][index] = Dimension(batch)
            found = True
    if not found:
        raise ModelError(
            f"batch={batch}: no input has a batch dimension (N) in its layout. Say which dimension is "
            "the batch with layout=, e.g. layout='NCHW' or layout={'input': 'N...'}"
        )


def _preprocess(model: Any, changes: ModelChanges) -> Any:
    """Element types and preprocessing, with one PrePostProcessor (it changes ``model`` itself)."""
    from openvino import Type
    from openvino.preprocess import PrePostProcessor

    processor = PrePostProcessor(model)
    applied: set[str] = set()
    for index, port in enumerate(model.inputs):
        name = for_input(changes.input_precision, port_names(port))
        if name is not None:
            processor.input(index).tensor().set_element_type(getattr(Type, name))
        applied |= _input_steps(processor.input(index), port, changes)
    _check_applied(changes, applied)
    for index, port in enumerate(model.outputs):
        name = for_input(changes.output_precision, port_names(port))
        if name is not None:
            processor.output(index).tensor().set_element_type(getattr(Type, name))
    return _built(processor)


_NOWHERE = (
    "no input has {colours} channels (a C of {colours} in its layout, given with layout= or guessed "
    "from an image shape of rank 3 or 4)"
)


def _check_applied(changes: ModelChanges, applied: set[str]) -> None:
    """Refuse preprocessing that reached no input (a named input always gets its values)."""
    nowhere = _NOWHERE.format(colours=COLOURS)
    if changes.reverse_input_channels and "reverse_input_channels" not in applied:
        raise ModelError(
            f"reverse_input_channels=True: {nowhere}, so there is nothing to reverse. To fix: say "
            "where the channels are with layout=, e.g. layout='NCHW', or drop the keyword."
        )
    for keyword in ("mean_values", "scale_values"):
        if keyword not in applied and getattr(changes, keyword):
            raise ModelError(
                f"{keyword}= without an input name applies to image inputs, and {nowhere}. To fix: "
                f"name the input, e.g. {keyword}={{'input': [...]}}, or give its layout with layout=."
            )


def _input_steps(steps: Any, port: Any, changes: ModelChanges) -> set[str]:
    """Add one input's preprocessing; the keywords applied to it."""
    from openvino import Layout, Type

    order, guessed = _channel_layout(port)
    if guessed and (changes.reverse_input_channels or changes.mean_values or changes.scale_values):
        steps.model().set_layout(Layout(order))  # PrePostProcessor finds the channels by the layout
    channels = _channels(port, order)
    reverse = changes.reverse_input_channels and channels == COLOURS
    image = channels == COLOURS and is_image_layout(order, len(port.get_partial_shape()))
    mean = _values_for(changes.mean_values, port, image, order, "mean_values")
    scale = _values_for(changes.scale_values, port, image, order, "scale_values")
    if reverse:
        steps.preprocess().reverse_channels()
    if mean is not None or scale is not None:
        steps.preprocess().convert_element_type(Type.f32)
    if mean is not None:
        steps.preprocess().mean(mean[0] if len(mean) == 1 else list(mean))
    if scale is not None:
        steps.preprocess().scale(scale[0] if len(scale) == 1 else list(scale))
    applied = {"reverse_input_channels"} if reverse else set()
    return applied | {key for key, value in (("mean_values", mean), ("scale_values", scale)) if value}


def _channel_layout(port: Any) -> tuple[str, bool]:
    """The input's layout letters ('' if none), and whether they were guessed from an image shape."""
    layout = port.get_node().get_layout()
    if not layout.empty:
        return layout_axes(layout.to_string()), False
    shape = port.get_partial_shape()
    if shape.rank.is_dynamic:
        return "", False
    guess = guess_image_layout([dim.get_length() if dim.is_static else None for dim in shape])
    return (guess, True) if guess else ("", False)


def _channels(port: Any, order: str) -> int | None:
    shape = port.get_partial_shape()
    if "C" not in order or len(order) != len(shape) or shape[order.index("C")].is_dynamic:
        return None
    return int(shape[order.index("C")].get_length())


def _values_for(
    values: Mapping[str, tuple[float, ...]], port: Any, image: bool, order: str, keyword: str
) -> tuple[float, ...] | None:
    """The values given for this input by name, else the unnamed ones if it is an image input."""
    chosen = next((values[name] for name in port_names(port) if name in values), None)
    if chosen is None and image:
        chosen = values.get(ALL)
    if chosen is not None and len(chosen) > 1 and "C" not in order:
        raise ModelError(
            f"{keyword}= gives {len(chosen)} values for input {display_name(port)!r}, whose layout has no "
            "C (channels) dimension. To fix: say where the channels are with layout=, e.g. "
            "layout='NCHW', or give one value for every element."
        )
    return chosen


def _built(processor: Any) -> Any:
    try:
        return processor.build()
    except Exception as exc:
        from pytest_ovbench.errors import openvino_reason

        raise ModelError(
            "OpenVINO cannot apply input_precision= / output_precision= / mean_values= / scale_values= / "
            f"reverse_input_channels= to the model:\n  {openvino_reason(exc)}"
        ) from None


def describe_changes(changes: ModelChanges) -> dict[str, Any]:
    """The changes as plain values for records and baselines (only those given)."""
    described: dict[str, Any] = {}
    for key, value in vars(changes).items():
        if isinstance(value, Mapping) and value:
            described[key] = {"*" if name == ALL else name: text for name, text in value.items()}
        elif value:
            described[key] = value
    return described
