"""Input data: seeded random arrays generated once, in each input's own element type.

Ranges follow benchmark_app so both run on comparable data: floats uniform in [0, 255), integers
uniform in [0, 255] clipped to the type's range, booleans 0/1. The model's input precision is never
changed (benchmark_app turns image inputs into u8 through PrePostProcessor; we don't).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

SEED = 0


def random_array(shape: list[int], dtype: np.dtype[Any], rng: np.random.Generator) -> npt.NDArray[Any]:
    """One input's data: values in benchmark_app's range, in ``dtype``."""
    if dtype == np.bool_:
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        low, high = max(0, int(info.min)), min(255, int(info.max))
        return rng.integers(low, high, size=shape, endpoint=True).astype(dtype)
    return rng.uniform(0.0, 255.0, size=shape).astype(dtype)


def numpy_dtype(element_type: Any) -> np.dtype[Any] | None:
    """numpy dtype of an OpenVINO element type, None where numpy has none (bf16, u4, string)."""
    try:
        dtype = np.dtype(element_type.to_dtype())
    except Exception:
        return None
    return None if dtype.kind in "OSU" else dtype


def fill_request(request: Any, arrays: list[npt.NDArray[Any] | None]) -> None:
    """Copy the data into the request's own input tensors once, outside any measured loop."""
    for index, array in enumerate(arrays):
        if array is not None:
            request.get_input_tensor(index).data[...] = array
