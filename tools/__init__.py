"""Repository tools, not part of the rnnlib package.

Run them from the repository root as ``python tools/NAME.py``; the tests import them
as ``tools.NAME`` (pytest puts the root on ``sys.path``).
"""
