"""Every test here drives a real Chromium: without one they skip with the reason (fail under CI=true),
before any server or worker is started for them."""

import pytest

from tests.support import chromium


@pytest.fixture(autouse=True, scope="session")
def chromium_available():
    chromium.require()
