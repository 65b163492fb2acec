"""Fixtures of the ml tests beyond tests/conftest.py's: the bundled teacher's tokenizer."""

import pytest

from tests.support.tiny_bert import bundled_tokenizer


@pytest.fixture(scope="session")
def tokenizer():
    return bundled_tokenizer()
