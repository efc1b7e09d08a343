import pytest

from .helpers import DATA_DIR, demo_data


@pytest.fixture
def data_dir():
    return DATA_DIR


@pytest.fixture
def demo():
    """The catalogue of data/with_needs_and_offers.json as a dict, free to change in a test."""
    return demo_data()
