import pytest

from ecitizen.ledger import selectors


@pytest.fixture(autouse=True)
def _forget_full_tiles():
    """Each process keeps full tiles, which never change in a real log; every test starts a new log."""
    selectors._FULL_TILES.clear()
    yield
    selectors._FULL_TILES.clear()
