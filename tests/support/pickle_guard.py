"""Pickle blocked while a model loads, for fresh Pythons that load models: imported first
(before any library binds pickle's names), it wraps `pickle`/`_pickle` `load`, `loads` and
`Unpickler` so that each raises, and is recorded in CALLS, while LOADING[0] is true."""

import _pickle
import pickle

LOADING = [False]
CALLS: list = []


def _guard(module, name):
    original = getattr(module, name)

    def guarded(*args, **kwargs):
        if LOADING[0]:
            CALLS.append(f"{module.__name__}.{name}")
            raise RuntimeError(f"{module.__name__}.{name} called while loading a model")
        return original(*args, **kwargs)

    return guarded


def _guard_class(module):
    original = module.Unpickler

    class Unpickler(original):  # libraries subclass it at import time: keep it a class
        def __init__(self, *args, **kwargs):
            if LOADING[0]:
                CALLS.append(f"{module.__name__}.Unpickler")
                raise RuntimeError(f"{module.__name__}.Unpickler used while loading")
            super().__init__(*args, **kwargs)

    return Unpickler


for _module in (pickle, _pickle):
    for _name in ("load", "loads"):
        setattr(_module, _name, _guard(_module, _name))
    _module.Unpickler = _guard_class(_module)
