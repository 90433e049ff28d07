"""Round trips through the `tf_keras` format: Keras 3 and tf_keras models, custom classes
(a compiled model loaded in a fresh process: formats/test_fresh_process.py)."""

from __future__ import annotations

import sys

import keras
import numpy as np
import pytest
import tf_keras

from jupyterlab_models import ModelStoreError, formats, inspector
from jupyterlab_models.formats import keras as keras_format
from tests.support.manifests import format_extra

LIBRARIES = {"keras": keras, "tf_keras": tf_keras}
X = np.random.default_rng(0).normal(size=(8, 4)).astype(np.float32)


@keras.saving.register_keras_serializable(package="jlm_tests")
class Scaled(keras.Model):
    """A registered Keras 3 subclass with a constructor argument."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor
        self.dense = keras.layers.Dense(2)

    def call(self, x):
        return self.dense(x) * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


@tf_keras.saving.register_keras_serializable(package="jlm_tests")
class LegacyScaled(tf_keras.Model):
    """The same for tf_keras."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor
        self.dense = tf_keras.layers.Dense(2)

    def call(self, x):
        return self.dense(x) * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


SUBCLASSES = {"keras": Scaled, "tf_keras": LegacyScaled}


def sequential(library):
    lib = LIBRARIES[library]
    lib.utils.set_random_seed(0)
    model = lib.Sequential(
        [lib.Input((4,)), lib.layers.Dense(3, activation="relu"), lib.layers.Dense(2)]
    )
    model.compile(optimizer="adam", loss="mse")
    model.fit(X, X[:, :2], epochs=1, verbose=0)  # so that the optimizer has a state to keep
    return model


def subclass(library, factor=3.0):
    model = SUBCLASSES[library](factor=factor)
    model(X)  # builds the weights
    return model


@pytest.fixture(scope="module")
def models():
    return {library: sequential(library) for library in LIBRARIES}


def assert_same_outputs(original, loaded):
    np.testing.assert_allclose(np.asarray(loaded(X)), np.asarray(original(X)), rtol=1e-6)


@pytest.mark.parametrize("library", LIBRARIES)
def test_sequential_round_trip(store, models, library):
    model = models[library]
    info = store.save(model, "m")
    assert info.format == "tf_keras" and info.library == "keras"
    assert info.type == formats.class_path(type(model))
    assert next(iter(info.library_versions)) == "keras"
    assert {"keras", "tf-keras", "tensorflow", "numpy"} <= set(info.library_versions)
    assert [f["path"] for f in info.files] == ["model.keras"]
    assert format_extra(info) == {"library": library, "backend": "tensorflow", "custom_classes": []}
    loaded = store.load("m")
    assert type(loaded) is type(model)
    assert_same_outputs(model, loaded)
    assert type(loaded.optimizer) is type(model.optimizer)  # compiled as it was
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations) == 1


def test_types_are_the_installed_classes():
    assert formats.class_path(keras.Model) == keras_format.KERAS3_MODEL
    assert formats.class_path(tf_keras.Model) == keras_format.TF_KERAS_MODEL


@pytest.mark.parametrize("library", LIBRARIES)
def test_registered_subclass_round_trip(store, library):
    model = subclass(library)
    info = store.save(model, "m")
    assert info.type.endswith(SUBCLASSES[library].__qualname__)
    name = f"jlm_tests>{SUBCLASSES[library].__name__}"
    assert info.extra["custom_classes"] == [name]
    loaded = store.load("m")
    assert type(loaded) is SUBCLASSES[library]
    assert loaded.factor == 3.0
    assert_same_outputs(model, loaded)


@pytest.mark.parametrize("library", LIBRARIES)
def test_unregistered_subclass_is_refused_at_save(store, monkeypatch, library):
    lib = LIBRARIES[library]

    class Unregistered(lib.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = lib.layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Unregistered()
    model(X)
    with pytest.raises(ModelStoreError, match="'Unregistered'") as exc:
        store.save(model, "m")
    assert exc.value.code == "unsupported_type"
    assert f"@{library}.saving.register_keras_serializable()" in exc.value.message
    assert exc.value.details == {"unregistered": ["Unregistered"]}
    assert store.list() == []
    # the way out the message gives for a model already trained
    # (setitem first, so that the registration is undone after the test)
    monkeypatch.setitem(lib.saving.get_custom_objects(), "jlm_late>Unregistered", Unregistered)
    lib.saving.register_keras_serializable(package="jlm_late")(Unregistered)
    assert store.save(model, "m").extra["custom_classes"] == ["jlm_late>Unregistered"]
    assert type(store.load("m")) is Unregistered


@pytest.mark.parametrize("library", LIBRARIES)
def test_class_not_registered_at_load_time(store, monkeypatch, library):
    store.save(subclass(library), "m")
    name = f"jlm_tests>{SUBCLASSES[library].__name__}"
    # as in a fresh kernel where the cell defining the class has not run yet
    monkeypatch.delitem(LIBRARIES[library].saving.get_custom_objects(), name)
    with pytest.raises(ModelStoreError) as exc:
        store.load("m")
    assert exc.value.code == "unsupported_type"
    assert repr(name) in exc.value.message
    assert f"@{library}.saving.register_keras_serializable()" in exc.value.message
    assert exc.value.details == {"unregistered": [name]}


def test_a_lambda_is_refused_at_save(store):
    """A safe load would refuse it: found at save, while the user can still replace it."""
    model = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(lambda x: x * 2)])
    with pytest.raises(ModelStoreError, match="lambda") as exc:
        store.save(model, "m")
    assert exc.value.code == "unsupported_type"
    assert store.list() == []


@pytest.mark.parametrize(("library", "pip"), [("keras", "keras"), ("tf_keras", "tf-keras")])
def test_missing_library(store, models, monkeypatch, library, pip):
    store.save(models[library], "m")
    monkeypatch.setitem(sys.modules, library, None)  # makes `import library` fail
    with pytest.raises(ModelStoreError, match=f"pip install {pip}") as exc:
        store.load("m")
    assert exc.value.code == "library_missing"


def test_detection(models):
    namespace = {
        "k3": models["keras"],
        "legacy": models["tf_keras"],
        "sub": subclass("keras"),
        "layer": keras.layers.Dense(2),  # a Keras 3 layer alone is not a model
    }
    for name in ("k3", "legacy", "sub"):
        assert formats.detect(namespace[name]) is keras_format, name
    assert formats.detect(namespace["layer"]) is None
    found = {v.name: (v.library, v.format) for v in inspector.scan(namespace)}
    assert found == {name: ("keras", "tf_keras") for name in ("k3", "legacy", "sub")}


# --- Keras' own APIs, as its users build models (issue #14) -------------------------------------


def _functional_two_in_two_out():
    a, b = keras.Input((4,), name="a"), keras.Input((3,), name="b")
    x = keras.layers.Concatenate()([a, b])
    x = keras.layers.Dense(5, activation="relu")(x)
    y = x + keras.layers.Dense(5)(x)  # an `Add` of Keras' own, with a registered_name
    y = keras.layers.Multiply()([y, x])
    return keras.Model(inputs=[a, b], outputs=[keras.layers.Dense(1)(y), x])


def _nested():
    inner = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)], name="inner")
    inputs = keras.Input((4,))
    return keras.Model(inputs, keras.layers.Dense(2)(inner(inputs)))


def _shared_layers():
    shared = keras.layers.Dense(3, name="shared")
    a, b = keras.Input((4,)), keras.Input((4,))
    return keras.Model([a, b], keras.layers.Subtract()([shared(a), shared(b)]))


def _lstm():
    inputs = keras.Input((5, 4))
    x = keras.layers.LSTM(6, return_sequences=True)(inputs)
    return keras.Model(inputs, keras.layers.GRU(3)(x))


def _application():
    return keras.applications.MobileNetV3Small(
        input_shape=(32, 32, 3), weights=None, classes=5, include_preprocessing=False
    )


def _inputs(model):
    rng = np.random.default_rng(1)
    shapes = [tuple(t.shape[1:]) for t in model.inputs]
    arrays = [rng.normal(size=(2, *shape)).astype(np.float32) for shape in shapes]
    return arrays if len(arrays) > 1 else arrays[0]


@pytest.mark.parametrize(
    "build",
    [_functional_two_in_two_out, _nested, _shared_layers, _lstm, _application],
    ids=["functional-multi-io", "nested", "shared-layers", "lstm-gru", "mobilenet-v3"],
)
def test_keras_own_model_apis_round_trip(store, build):
    """Before: every functional model was refused ("the model uses 'Functional', not
    registered with Keras"): Keras 3 stores its own Functional, Add, ... with a
    registered_name."""
    keras.utils.set_random_seed(0)
    model = build()
    x = _inputs(model)
    expected = model.predict(x, verbose=0)
    info = store.save(model, "m")
    assert info.extra["custom_classes"] == []
    loaded = store.load("m")
    assert type(loaded) is type(model)
    got = loaded.predict(x, verbose=0)
    for want, have in zip(
        expected if isinstance(expected, list) else [expected],
        got if isinstance(got, list) else [got],
    ):
        np.testing.assert_allclose(have, want, rtol=1e-5, atol=1e-6)
