"""The smallest set of named mistakes that explains what a reader's function returned.

Every checker describes its mistakes as switches of a "mistaken reference"
(a generator that computes what a function with those mistakes returns), each
with one or more variants. :func:`smallest_explanation` tries the sets in order
of size and returns the first that reproduces every case, so a mistake whose
effect another one hides is never reported.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

Config = dict[str, object]
"""Active mistakes: name → variant."""


def smallest_explanation(
    mistakes: Sequence[tuple[str, Sequence[object]]],
    matches: Callable[[Config], bool],
    *,
    max_size: int | None = None,
) -> tuple[tuple[str, ...], Config] | None:
    """The smallest set of mistakes (with a variant each) for which ``matches`` holds.

    Parameters
    ----------
    mistakes : sequence of (name, variants)
        The candidate mistakes in the order they are reported; prune beforehand
        those whose switch changes nothing.
    matches : callable
        ``matches(config)`` is True when the mistaken reference with ``config``
        reproduces every case the reader's function was run on.
    max_size : int, optional
        Largest set to try (all by default).

    Returns
    -------
    (names, config) or None
        ``names`` in the order of ``mistakes``; None if no set explains the cases.

    Examples
    --------
    >>> cands = [("a", (1,)), ("b", (1, 2)), ("c", (1,))]
    >>> smallest_explanation(cands, lambda cfg: cfg.get("b") == 2 and "c" in cfg)
    (('b', 'c'), {'b': 2, 'c': 1})
    """
    n = len(mistakes) if max_size is None else min(max_size, len(mistakes))
    for size in range(1, n + 1):
        for subset in itertools.combinations(mistakes, size):
            names = tuple(name for name, _ in subset)
            for variants in itertools.product(*(v for _, v in subset)):
                config = dict(zip(names, variants, strict=True))
                if matches(config):
                    return names, config
    return None
