"""ONNX (`onnx`): the `ModelProto` in `model.onnx`, the bytes `onnx.save` writes (written by the
save's writer, which hashes them on the way).

A model over protobuf's 2 GB limit (or any model with `external_data=True`) keeps its tensors
in one `model.onnx.data` file next to it, as ONNX external data; `onnx.load` reads it back
from the version directory. The user's proto is never changed: the external-data conversion
works on a copy (so a model that big needs twice its size in memory while saving).

The loaded proto is the saved one, byte for byte: loading external data marks each such tensor
as explicitly "DEFAULT" located, a field the original did not set, which is cleared again.
"""

from __future__ import annotations

import os
from typing import Any

from ..protocol import UNSUPPORTED_TYPE, ModelStoreError
from ..storage.files import FileWriter
from ..storage.verified import VersionFiles
from . import signature
from .base import PLAIN_WRITER, import_library
from .versions import distribution_versions

FORMAT_ID = "onnx"
LIBRARY = "onnx"
PIP_PACKAGE = "onnx"
MODULES = (LIBRARY,)
TYPES = ("onnx.onnx_ml_pb2.ModelProto",)
MODEL_FILE = "model.onnx"
DATA_FILE = "model.onnx.data"
EXTERNAL_DATA_THRESHOLD = 2**31 - 1  # bytes: the largest protobuf message
EXTERNAL_TENSOR_MIN_BYTES = 1024  # smaller tensors stay inline (onnx's own default)


def library_versions() -> dict[str, str]:
    return distribution_versions("onnx")


def save(
    obj: Any,
    directory: str,
    *,
    writer: FileWriter = PLAIN_WRITER,
    external_data: bool | None = None,
) -> dict[str, Any]:
    """`external_data`: True or False forces the choice; by default only a model over
    EXTERNAL_DATA_THRESHOLD bytes uses it."""
    import onnx
    from onnx.external_data_helper import uses_external_data

    for tensor in _tensors(obj):
        if uses_external_data(tensor):
            raise ModelStoreError(
                UNSUPPORTED_TYPE,
                f"tensor {tensor.name!r} refers to external data that is not in memory: load "
                "the model with onnx.load(path) (which reads its external data) and save that",
            )
    path = os.path.join(directory, MODEL_FILE)
    # Serialized once: the bytes decide on external data and are what gets written, the file
    # onnx.save_model(obj, path) writes (it writes SerializeToString() as it is). ByteSize()
    # would cost as much as a second serialization with protobuf's upb backend.
    data = None if external_data else _serialized(obj)
    if data is not None:
        writer.write(path, data)  # a store's writer hashes the bytes beside the write
        del data
    elif external_data is False:
        raise ModelStoreError(
            UNSUPPORTED_TYPE,
            "the model is over protobuf's 2 GB limit: save it with external_data=True",
        )
    else:
        copy = onnx.ModelProto()
        copy.CopyFrom(obj)
        onnx.save_model(
            copy,
            path,
            save_as_external_data=True,
            all_tensors_to_one_file=True,
            location=DATA_FILE,
            size_threshold=EXTERNAL_TENSOR_MIN_BYTES,
            convert_attribute=True,  # Constant nodes' tensors too
        )
    return {
        "external_data": os.path.exists(os.path.join(directory, DATA_FILE)),
        "ir_version": obj.ir_version,
        "opset_import": [[opset.domain, opset.version] for opset in obj.opset_import],
        "producer": f"{obj.producer_name} {obj.producer_version}".strip(),
        "inputs": [_value_info(onnx, value) for value in obj.graph.input],
        "outputs": [_value_info(onnx, value) for value in obj.graph.output],
    }


def _serialized(obj: Any) -> bytes | None:
    """The proto's bytes, or None when it is over EXTERNAL_DATA_THRESHOLD (protobuf refuses to
    serialize a message over 2 GB: ValueError)."""
    try:
        data = obj.SerializeToString()
    except ValueError:
        if obj.ByteSize() > EXTERNAL_DATA_THRESHOLD:
            return None
        raise
    if len(data) > EXTERNAL_DATA_THRESHOLD:
        return None
    return data


def _tensors(model: Any) -> Any:
    # onnx's own walk over every tensor (initializers, attributes, subgraphs, functions): the
    # one its external-data save and load use.
    from onnx.external_data_helper import _get_all_tensors

    return _get_all_tensors(model)


def _value_info(onnx: Any, value: Any) -> dict[str, Any]:
    """Name, element type and shape (ints, names of symbolic dims, None) of a tensor input."""
    spec: dict[str, Any] = {"name": value.name}
    if value.type.HasField("tensor_type"):
        tensor_type = value.type.tensor_type
        spec["elem_type"] = onnx.TensorProto.DataType.Name(tensor_type.elem_type)
        if tensor_type.HasField("shape"):
            spec["shape"] = [
                dim.dim_value if dim.HasField("dim_value") else dim.dim_param or None
                for dim in tensor_type.shape.dim
            ]
    return spec


def describe(obj: Any) -> dict[str, Any]:
    """Graph inputs (without initializers) and outputs, opsets, nodes and parameter count."""
    graph = obj.graph
    initializers = {tensor.name for tensor in graph.initializer}
    return {
        "inputs": [_tensor_of(v) for v in graph.input if v.name not in initializers],
        "outputs": [_tensor_of(v) for v in graph.output],
        "opsets": {op.domain or "ai.onnx": op.version for op in obj.opset_import},
        "nodes": len(graph.node),
        "parameters": sum(_count(tensor.dims) for tensor in graph.initializer),
        "producer": obj.producer_name or None,
    }


def _tensor_of(value: Any) -> dict[str, Any]:
    import onnx

    spec = _value_info(onnx, value)
    return signature.tensor(spec["name"], spec.get("shape"), spec.get("elem_type"))


def _count(dims: Any) -> int:
    total = 1
    for dim in dims:
        total *= dim
    return total


def load(files: VersionFiles, info: Any) -> Any:
    onnx = import_library("onnx", PIP_PACKAGE)
    from onnx.external_data_helper import load_external_data_for_tensor, uses_external_data

    # The verified bytes are the bytes parsed (what onnx.load(path) does after reading them).
    model = onnx.load_model_from_string(files.read(MODEL_FILE))
    external = [tensor for tensor in _tensors(model) if uses_external_data(tensor)]
    if external:
        # onnx reads external data by path only: every file verified first (verified.py);
        # it refuses a location outside the directory.
        directory = files.directory
        for tensor in external:
            load_external_data_for_tensor(tensor, directory)
            tensor.ClearField("data_location")
    return model
