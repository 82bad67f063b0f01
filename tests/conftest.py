"""Shared fixtures: where ../shared is, and skipping cleanly when it is absent."""

from pathlib import Path

import pytest
from django.conf import settings


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = Path(settings.SHARED_DIR)
    if not path.is_dir():
        pytest.skip(f"shared data not found at {path} (set PHYSLIT_SHARED_DIR)")
    return path


@pytest.fixture(scope="session")
def fixtures_dir(shared_dir: Path) -> Path:
    return shared_dir / "fixtures"
