"""Round trips through the `tf_pure` format: a tf.Module subclass and a Checkpoint as
SavedModels, and the precedence of Keras models over it."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
import tf_keras

from jupyterlab_models import ModelStoreError, formats, inspector
from jupyterlab_models.formats import keras as keras_format
from jupyterlab_models.formats import tensorflow as tf_format
from tests.support.manifests import format_extra

X = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
VECTOR = tf.TensorSpec([None, 4], tf.float32)


class Affine(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable(np.arange(8, dtype=np.float32).reshape(4, 2) / 10)
        self.b = tf.Variable([0.5, -1.0])

    @tf.function(input_signature=[VECTOR])
    def __call__(self, x):
        return tf.matmul(x, self.w) + self.b

    @tf.function(input_signature=[VECTOR])
    def scores(self, x):
        return tf.nn.softmax(self(x))

    @tf.function
    def doubled(self, x):  # no signature: saved with the traces made before saving
        return 2 * self(x)

    @tf.function
    def never_called(self, x):
        return x

    @property
    def expensive(self):
        raise AssertionError("a property must not be evaluated by save")


@pytest.fixture(scope="module")
def module():
    affine = Affine()
    affine.doubled(X)
    return affine


def test_module_round_trip(store, module):
    info = store.save(module, "m")
    assert info.format == "tf_pure" and info.library == "tensorflow"
    assert info.type == f"{__name__}.Affine"  # tests.formats.test_tensorflow_format
    assert next(iter(info.library_versions)) == "tensorflow"
    paths = {f["path"] for f in info.files}
    assert "saved_model/saved_model.pb" in paths
    assert any(p.startswith("saved_model/variables/") for p in paths)
    assert format_extra(info) == {"functions": ["__call__", "doubled", "scores"]}
    loaded = store.load("m")
    for name in ("__call__", "scores", "doubled"):
        np.testing.assert_allclose(
            getattr(loaded, name)(X).numpy(), getattr(module, name)(X).numpy(), rtol=1e-6
        )
    np.testing.assert_array_equal(loaded.w.numpy(), module.w.numpy())


def test_checkpoint_round_trip(store, module):
    checkpoint = tf.train.Checkpoint(model=module, step=tf.Variable(7, dtype=tf.int64))
    info = store.save(checkpoint, "ckpt")
    assert info.format == "tf_pure"
    assert info.type == "tensorflow.python.checkpoint.checkpoint.Checkpoint"
    loaded = store.load("ckpt")
    assert int(loaded.step) == 7
    np.testing.assert_allclose(loaded.model(X).numpy(), module(X).numpy(), rtol=1e-6)


def test_types_are_the_installed_classes():
    assert set(tf_format.TYPES) == {
        formats.class_path(tf.Module),
        formats.class_path(tf.train.Checkpoint),
    }


def test_detection_and_keras_precedence(store, module):
    tf_keras_model = tf_keras.Sequential([tf_keras.Input((4,)), tf_keras.layers.Dense(2)])
    keras_model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    # a tf_keras model is a tf.Module too, but it is a Keras model first
    assert isinstance(tf_keras_model, tf.Module)
    namespace = {
        "module": module,
        "ckpt": tf.train.Checkpoint(model=module),
        "tf_keras_model": tf_keras_model,
        "keras_model": keras_model,
    }
    assert formats.detect(module) is tf_format
    assert formats.detect(namespace["ckpt"]) is tf_format
    assert formats.detect(tf_keras_model) is keras_format
    assert formats.detect(keras_model) is keras_format
    found = {v.name: v.format for v in inspector.scan(namespace)}
    assert found == {
        "module": "tf_pure",
        "ckpt": "tf_pure",
        "tf_keras_model": "tf_keras",
        "keras_model": "tf_keras",
    }
    # not even on request: a Keras model is a .keras archive
    for model in (tf_keras_model, keras_model):
        with pytest.raises(ModelStoreError) as exc:
            store.save(model, "k", format_id="tf_pure")
        assert exc.value.code == "unsupported_type"
    assert store.list() == []
