"""Maintenance commands (``python -m rnnlib.tools.run_notebooks``)."""
