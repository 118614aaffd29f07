"""Session fixture: the toy course, released and calibrated once per test process."""

import pytest

from .toy_helpers import shared_toy_course


@pytest.fixture(scope="session")
def toy_course():
    return shared_toy_course()
