import pytest


@pytest.fixture(autouse=True)
def _enable_db_for_all_tests(db):
    """Every test may touch the database; the vocabularies are seeded by migrations."""


@pytest.fixture
def shared_catalog_path():
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "tools_catalog.json"
    if not path.exists():
        pytest.skip("../shared/data/tools_catalog.json is not available")
    return path
