"""Shared fixtures.

Tests that read the real public samples ask for ``shared_data``: it points at the folder named by
``RISKMODEL_SHARED_DATA`` (``.ci/run`` sets it to ``../shared/data``) and skips, with the reason,
where it is unset.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real public samples, or skip the test when it is not configured."""
    value = os.environ.get("RISKMODEL_SHARED_DATA")
    if not value:
        pytest.skip("RISKMODEL_SHARED_DATA is not set: real public samples are not available")
    path = Path(value)
    if not path.is_dir():
        pytest.skip(f"RISKMODEL_SHARED_DATA={value} is not a directory")
    return path.resolve()
