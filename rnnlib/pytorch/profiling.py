"""``torch.profiler`` without kineto's stray stderr lines (imports torch).

Kineto, the profiler library inside PyTorch, logs ``USDT: ... profiler_start`` and
``profiler_stop`` to the C-level stderr at its highest severity, USDT (5), whenever a
trace starts or stops. Its minimum severity comes from the environment variable
``KINETO_LOG_LEVEL``, read once, when kineto first initialises (at the first profiled
region of the process); level 6 silences these lines and nothing else of PyTorch.
"""

from __future__ import annotations

import os

import torch
from torch.profiler import ProfilerActivity

__all__ = ["QUIET_KINETO_LEVEL", "cpu_profile"]

QUIET_KINETO_LEVEL = "6"
"""Above kineto's highest severity (USDT = 5): it prints nothing."""


def cpu_profile(**kwargs: object) -> torch.profiler.profile:
    """``torch.profiler.profile(activities=[ProfilerActivity.CPU], **kwargs)``, quiet on stderr.

    Sets ``KINETO_LOG_LEVEL`` (unless the user already chose a level) before the
    profiler starts; this takes effect if no profiler has run yet in the process.
    """
    os.environ.setdefault("KINETO_LOG_LEVEL", QUIET_KINETO_LEVEL)
    return torch.profiler.profile(activities=[ProfilerActivity.CPU], **kwargs)
