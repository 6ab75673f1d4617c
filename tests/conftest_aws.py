"""One moto server per test session, and boto3's environment pointed at it (a plugin
listed in tests/conftest.py). Each test module resets moto's state as it builds its world."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bookstore_resil.targets.aws_moto import moto_env, moto_server


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


def use_moto_env(patch: pytest.MonkeyPatch, key_id: str = "testing", secret: str = "testing"):
    """Fake credentials and no profile or instance metadata, for boto3 against moto."""
    for key, value in moto_env(key_id, secret).items():
        if value is None:
            patch.delenv(key, raising=False)
        else:
            patch.setenv(key, value)
