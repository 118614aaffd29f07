"""Session fixture: the toy course, released and calibrated once."""

import pytest

from .toy_helpers import build_toy_course


@pytest.fixture(scope="session")
def toy_course(tmp_path_factory):
    return build_toy_course(tmp_path_factory.mktemp("toy-course"))
