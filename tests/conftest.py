"""Shared fixtures for rnnlib's unit tests."""

import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
