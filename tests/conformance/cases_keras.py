"""Keras 3: keras.applications architectures (weights=None, small inputs), functional models
with several inputs and outputs, a nested model, shared layers, RNNs, preprocessing layers
adapted on data, a registered subclassed model, and a Lambda layer (refused at save)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import Case, rng, to_json

# architecture: (input side, subset)
APPLICATIONS = {
    "MobileNetV3Small": (32, True),
    "MobileNet": (32, False),
    "MobileNetV2": (32, False),
    "MobileNetV3Large": (32, False),
    "ResNet50": (32, False),
    "ResNet50V2": (32, False),
    "DenseNet121": (32, False),
    "EfficientNetB0": (32, False),
    "EfficientNetV2B0": (32, False),
    "VGG16": (32, False),
    "Xception": (71, False),
    "InceptionV3": (75, False),
    "ConvNeXtTiny": (32, False),
    "EfficientNetB1": (32, False),
    "NASNetMobile": (32, False),
}


def _images(side: int) -> np.ndarray:
    return rng(1).uniform(0, 255, size=(2, side, side, 3)).astype(np.float32)


def _application(name: str, side: int) -> Any:
    import keras

    keras.utils.set_random_seed(0)
    kwargs: dict[str, Any] = {"weights": None, "input_shape": (side, side, 3), "classes": 10}
    if name == "NASNetMobile":  # its top needs the default 224 input: use it headless
        kwargs.update(include_top=False, pooling="avg")
    return getattr(keras.applications, name)(**kwargs), {}


def _call(inputs: Any) -> Any:
    return lambda model: to_json(model(inputs, training=False))


def _functional_multi() -> Any:
    import keras

    keras.utils.set_random_seed(0)
    a, b = keras.Input((4,), name="a"), keras.Input((3,), name="b")
    h = keras.layers.Concatenate()([keras.layers.Dense(5)(a), b])
    out1 = keras.layers.Dense(2, name="score")(h)
    out2 = keras.layers.Dense(3, activation="softmax", name="label")(h)
    model = keras.Model({"a": a, "b": b}, {"score": out1, "label": out2})
    model.compile(optimizer="adam", loss={"score": "mse", "label": "categorical_crossentropy"})
    return model, {}


def _multi_inputs() -> dict[str, np.ndarray]:
    r = rng(2)
    return {
        "a": r.normal(size=(4, 4)).astype("float32"),
        "b": r.normal(size=(4, 3)).astype("float32"),
    }


def _nested() -> Any:
    import keras

    keras.utils.set_random_seed(0)
    inner = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3, activation="relu")], name="inner"
    )
    x = keras.Input((4,))
    model = keras.Model(x, keras.layers.Dense(2)(inner(x)))
    return model, {}


def _shared() -> Any:
    import keras

    keras.utils.set_random_seed(0)
    shared = keras.layers.Dense(3, name="shared")
    a, b = keras.Input((4,)), keras.Input((4,))
    return keras.Model([a, b], keras.layers.Subtract()([shared(a), shared(b)])), {}


def _rnn(kind: str) -> Any:
    import keras

    keras.utils.set_random_seed(0)
    layer = getattr(keras.layers, kind)
    model = keras.Sequential(
        [keras.Input((5, 3)), layer(4, return_sequences=True), layer(2), keras.layers.Dense(1)]
    )
    return model, {}


def _sequences() -> np.ndarray:
    return rng(3).normal(size=(2, 5, 3)).astype("float32")


def _normalization() -> Any:
    import keras

    norm = keras.layers.Normalization()
    norm.adapt(rng(4).normal(3, 2, size=(50, 4)).astype("float32"))
    x = keras.Input((4,))
    return keras.Model(x, keras.layers.Dense(1)(norm(x))), {}


TEXTS = ["the cat sat", "a dog ran far", "the dog sat down", "cats and dogs"]


def _text_vectorization() -> Any:
    import keras

    vectorize = keras.layers.TextVectorization(max_tokens=20, output_sequence_length=4)
    vectorize.adapt(TEXTS)
    x = keras.Input((), dtype="string")
    return keras.Model(x, vectorize(x)), {}


def _string_lookup() -> Any:
    import keras

    lookup = keras.layers.StringLookup(output_mode="one_hot")
    lookup.adapt(["red", "green", "blue", "green"])
    x = keras.Input((1,), dtype="string")
    return keras.Model(x, lookup(x)), {}


def _subclassed() -> Any:
    import keras

    from . import keras_custom

    keras.utils.set_random_seed(0)
    model = keras_custom.Scaled(units=3, factor=2.0)
    model(np.zeros((1, 4), "float32"))
    return model, {}


def _lambda() -> Any:
    import keras

    x = keras.Input((4,))
    return keras.Model(x, keras.layers.Lambda(lambda t: t * 2)(x)), {}


def _custom_import(model: Any) -> Any:
    from . import keras_custom  # noqa: F401  (the user's class is importable where it loads)

    return to_json(model(_flat(), training=False))


def _flat() -> np.ndarray:
    return rng(5).normal(size=(3, 4)).astype("float32")


def cases() -> list[Case]:
    out = [
        Case(
            f"applications.{name}",
            lambda n=name, s=side: _application(n, s),
            _call(_images(side)),
            rtol=1e-4,
            atol=1e-5,
            subset=subset,
        )
        for name, (side, subset) in APPLICATIONS.items()
    ]
    out += [
        Case(
            "functional multi-input multi-output (dict)",
            _functional_multi,
            _call(_multi_inputs()),
            subset=True,
        ),
        Case("nested model", _nested, _call(_flat())),
        Case("shared layer", _shared, _call([_flat(), _flat()[::-1].copy()])),
        Case("LSTM", lambda: _rnn("LSTM"), _call(_sequences()), rtol=1e-4, subset=True),
        Case("GRU", lambda: _rnn("GRU"), _call(_sequences()), rtol=1e-4),
        Case("Normalization adapted", _normalization, _call(_flat())),
        Case(
            "TextVectorization adapted",
            _text_vectorization,
            _call(np.array(TEXTS + ["unseen words"])),
        ),
        Case(
            "StringLookup adapted",
            _string_lookup,
            _call(np.array([["red"], ["blue"], ["pink"]])),
            subset=True,
        ),
        Case(  # the user imports the module that registers the class before loading
            "registered subclassed model",
            _subclassed,
            _custom_import,
            extra={"imports": ["tests.conformance.keras_custom"]},
        ),
        Case("Lambda layer", _lambda, _call(_flat()), subset=True),
    ]
    return out
