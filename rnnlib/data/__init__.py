"""Data sets made on the fly (seeded, no network), one submodule per kind.

Import the submodule you need, e.g. ``from rnnlib.data import series``.
Every generator takes a ``seed`` and returns numpy arrays; its docstring says
what structure a model can learn from the data.
"""
