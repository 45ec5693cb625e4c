"""Preparing a model before it is compiled, the way benchmark_app does between reading and
compiling: layouts (``layout=``), shapes (``shape=``, ``batch=``) and tensor element types
(``input_precision=``, ``output_precision=``).

The model the session read is shared by every test that names the same file, so a test that
changes it works on a clone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_ovbench.config.shapes import ALL, ModelChanges, for_input, unknown_names
from pytest_ovbench.errors import ModelError


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
    if changes.input_precision or changes.output_precision:
        model = _set_element_types(model, changes)
    return model


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


def _set_element_types(model: Any, changes: ModelChanges) -> Any:
    from openvino import Type
    from openvino.preprocess import PrePostProcessor

    processor = PrePostProcessor(model)
    for index, port in enumerate(model.inputs):
        name = for_input(changes.input_precision, port_names(port))
        if name is not None:
            processor.input(index).tensor().set_element_type(getattr(Type, name))
    for index, port in enumerate(model.outputs):
        name = for_input(changes.output_precision, port_names(port))
        if name is not None:
            processor.output(index).tensor().set_element_type(getattr(Type, name))
    return processor.build()


def describe_changes(changes: ModelChanges) -> dict[str, Any]:
    """The changes as plain values for records and baselines (only those given)."""
    described: dict[str, Any] = {}
    for key, value in vars(changes).items():
        if isinstance(value, Mapping) and value:
            described[key] = {"*" if name == ALL else name: text for name, text in value.items()}
        elif value:
            described[key] = value
    return described
