"""The files an ONNX model keeps its weights in (external data), read from the model's bytes.

An ONNX model over 2 GB, or one saved with ``save_as_external_data``, holds its tensors in files
beside it; each tensor names its file in ``external_data`` (key ``location``, a path relative to the
model's folder). Reference mode must fetch those files with the model. This reads just enough of
the protobuf to find them, without the ``onnx`` package: the messages that can hold a tensor
(graphs, nodes' attributes, sparse tensors, functions), every other field skipped by its length.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

__all__ = ["external_data_files"]

# message kind -> {field number: the kind of message that field holds}, per onnx.proto
_CHILDREN: dict[str, dict[int, str]] = {
    "model": {7: "graph", 25: "function"},
    "function": {7: "node"},
    "graph": {1: "node", 5: "tensor", 15: "sparse"},
    "node": {5: "attribute"},
    "attribute": {5: "tensor", 6: "graph", 10: "tensor", 11: "graph", 22: "sparse", 23: "sparse"},
    "sparse": {1: "tensor", 2: "tensor"},
    "tensor": {13: "entry"},  # external_data: StringStringEntryProto (key 1, value 2)
}


def _varint(data: memoryview, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("truncated or overlong varint")
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos, shift = pos + 1, shift + 7
        if not byte & 0x80:
            return value, pos


def _messages(data: memoryview) -> Iterator[tuple[int, memoryview]]:
    """The length-delimited fields of one message, as (field number, bytes); others skipped."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        wire = key & 7
        if wire == 0:
            pos = _varint(data, pos)[1]
        elif wire in (1, 5):
            pos += 8 if wire == 1 else 4
        elif wire == 2:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise ValueError("field runs past the end")
            yield key >> 3, data[pos : pos + length]
            pos += length
        else:
            raise ValueError(f"unsupported wire type {wire}")


def _location(entry: memoryview) -> str | None:
    fields = dict(_messages(entry))
    if bytes(fields.get(1, b"")) != b"location":
        return None
    return bytes(fields.get(2, b"")).decode("utf-8", "replace")


def external_data_files(model: bytes) -> list[str]:
    """The ``location`` of every externally stored tensor in the ONNX ``model``, each once (graph by
    graph, in their order). ValueError if the bytes are not a well-formed protobuf (OpenVINO says
    more about a broken model: callers may let it)."""
    found: dict[str, None] = {}
    pending = deque([("model", memoryview(model))])
    while pending:  # a queue, not recursion: nesting depth is the file's to choose
        kind, data = pending.popleft()
        for number, value in _messages(data):
            child = _CHILDREN[kind].get(number)
            if child == "entry":
                location = _location(value)
                if location is not None:
                    found.setdefault(location)
            elif child is not None:
                pending.append((child, value))
    return list(found)
