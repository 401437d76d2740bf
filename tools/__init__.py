"""Repository tools (not part of the rnnlib package): run from the repository root as ``python tools/NAME.py``."""
