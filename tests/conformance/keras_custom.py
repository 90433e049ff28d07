"""A subclassed Keras model registered the way Keras asks (register_keras_serializable): the
user's module, importable wherever the model loads."""

from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="conformance")
class Scaled(keras.Model):
    def __init__(self, units: int = 3, factor: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.units, self.factor = units, factor
        self.dense = keras.layers.Dense(units)

    def call(self, x):
        return self.dense(x) * self.factor

    def get_config(self):
        return {**super().get_config(), "units": self.units, "factor": self.factor}
