"""What each inference is fed: one or more input sets ("feeds"), made before any loop runs.

A feed holds an array per model input: from the user's files or pinned values (``inputs=``, see
inputs/files.py), else seeded random data (inputs/generated.py) in the shape the input has, or, for a dynamic
input, in each of its ``data_shape=`` shapes. With several feeds the loop cycles through them;
feeds that differ in the shape of a dynamic input form the shape groups whose latency is reported
apart (benchmark_app's ``-pcseq``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from pytest_ovbench.config.shapes import for_input, unknown_names
from pytest_ovbench.errors import DynamicInputs, ModelError
from pytest_ovbench.inputs.generated import SEED, numpy_dtype, random_array
from pytest_ovbench.inputs.layouts import guess_image_layout, layout_axes
from pytest_ovbench.runtime.prepare import display_name, port_names

Array = npt.NDArray[Any]


@dataclass(frozen=True)
class Feed:
    """One input set: an array per input (None: an input numpy cannot hold, left as allocated)."""

    arrays: tuple[Array | None, ...]
    group: str  # the shapes of the dynamic inputs, '' for a model with static inputs
    batch: int  # frames this inference processes (the N dimension, else 1)


def _shapes(port: Any, data_shapes: Mapping[str, list[str]]) -> list[tuple[int, ...]] | None:
    """The concrete shapes an input runs with: its own when static, else its data shapes (None:
    none given)."""
    from openvino import PartialShape

    partial = port.get_partial_shape()
    if partial.is_static:
        return [tuple(int(d) for d in partial.to_shape())]
    given = for_input(data_shapes, port_names(port))
    if given is None:
        return None
    for text in given:
        if not partial.compatible(PartialShape(text)):
            raise ModelError(
                f"data_shape {text} does not fit input {display_name(port)!r}, whose shape is {partial}"
            )
    return [tuple(int(d) for d in PartialShape(text).to_shape()) for text in given]


def _port_info(port: Any, shapes: list[tuple[int, ...]] | None) -> Any:
    from pytest_ovbench.inputs.files import PortInfo

    partial = port.get_partial_shape()
    if shapes is not None and len(shapes) == 1:
        dims: tuple[int | None, ...] = shapes[0]
    else:
        dims = tuple(int(d.get_length()) if d.is_static else None for d in partial)
    layout = port.get_node().get_layout()
    text = None if layout.empty else layout_axes(layout.to_string())
    dtype = numpy_dtype(port.get_element_type()) or np.dtype(np.float32)
    return PortInfo(display_name(port), dims, dtype, text)


def _file_sets(model: Any, spec: Any, shapes: list[list[tuple[int, ...]] | None], root: Path) -> list[Any]:
    from pytest_ovbench.inputs.files import InputFileError, load_input_sets

    if spec is None:
        return []
    if isinstance(spec, Mapping):
        unknown = unknown_names(spec, [port_names(p) for p in model.inputs])
        if unknown:
            names = ", ".join(repr(display_name(p)) for p in model.inputs)
            raise ModelError(f"inputs= names {unknown[0]!r}, which the model does not have (it has {names})")
        spec = {display_name(p): v for p in model.inputs for k, v in spec.items() if k in port_names(p)}
    ports = [_port_info(p, s) for p, s in zip(model.inputs, shapes)]
    try:
        return load_input_sets(spec, ports, root)
    except InputFileError as exc:
        raise ModelError(f"inputs=: {exc}") from None


def plan_feeds(model: Any, data_shapes: Mapping[str, list[str]], spec: Any, root: Path) -> list[Feed]:
    """The feeds for a prepared model (its inputs as they will be compiled)."""
    shapes = [_shapes(port, data_shapes) for port in model.inputs]
    files = _file_sets(model, spec, shapes, root)
    _check_dynamic(model, shapes, files)
    count = max([1, len(files), *(len(s) for s in shapes if s)])
    rng = np.random.default_rng(SEED)
    randoms: dict[tuple[int, tuple[int, ...]], Array | None] = {}
    feeds = []
    for k in range(count):
        arrays = []
        for index, port in enumerate(model.inputs):
            from_file = files[k % len(files)].get(display_name(port)) if files else None
            if from_file is not None:
                arrays.append(from_file)
                continue
            options = shapes[index] or [tuple(array_shape(port))]
            shape = options[k % len(options)]
            if (index, shape) not in randoms:
                dtype = numpy_dtype(port.get_element_type())
                randoms[index, shape] = None if dtype is None else random_array(list(shape), dtype, rng)
            arrays.append(randoms[index, shape])
        feeds.append(_feed(model, arrays))
    return feeds


def array_shape(port: Any) -> list[int]:
    """The static shape of an input (only asked for inputs _check_dynamic let through)."""
    return [int(d) for d in port.get_partial_shape().to_shape()]


def _check_dynamic(model: Any, shapes: Sequence[Any], files: Sequence[Mapping[str, Any]]) -> None:
    covered = set(files[0]) if files else set()
    missing = [
        f"{display_name(p)} {p.get_partial_shape()}"
        for p, s in zip(model.inputs, shapes)
        if s is None and display_name(p) not in covered
    ]
    if missing:
        raise DynamicInputs(missing, len(model.inputs) > 1)


def _feed(model: Any, arrays: list[Array | None]) -> Feed:
    group = []
    batch = None
    for port, array in zip(model.inputs, arrays):
        shape = tuple(array.shape) if array is not None else ()
        if port.get_partial_shape().is_dynamic:
            group.append((display_name(port), "[" + ",".join(str(d) for d in shape) + "]"))
        if batch is None and array is not None:
            batch = _batch_of(port, array.shape)
    label = group[0][1] if len(group) == 1 else " ".join(f"{n}{s}" for n, s in group)
    return Feed(tuple(arrays), label, max(1, batch or 1))


def _batch_of(port: Any, shape: tuple[int, ...]) -> int | None:
    """The N dimension of the layout, else of a guessed image layout (compiling.batch_size's rule)."""
    layout = port.get_node().get_layout()
    if layout.has_name("N"):
        return int(shape[layout.get_index_by_name("N")])
    guessed = guess_image_layout(shape)
    return int(shape[guessed.index("N")]) if guessed is not None and "N" in guessed else None


def groups_of(feeds: Sequence[Feed]) -> list[str]:
    """The distinct shape-group labels in feed order ([] when there is only one)."""
    labels = list(dict.fromkeys(feed.group for feed in feeds))
    return labels if len(labels) > 1 else []
