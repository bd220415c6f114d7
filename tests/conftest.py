"""Shared pytest setup: the `slow` marker, imports of `evals`, and offline-model fixtures."""
import socket
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

# `evals/` is a folder of Inspect tasks, not an installed package, so tests import it from the
# repository root.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: runs the embedded model end to end (deselect with -m 'not slow')"
    )


@pytest.fixture
def offline(monkeypatch):
    """Make any lookup of a host other than 127.0.0.1 or localhost fail at once.

    A library that quietly downloads something (tiktoken fetches its encodings on first use)
    then fails the test with a clear error instead of reaching the internet.
    """
    real_getaddrinfo = socket.getaddrinfo

    def local_only(host, *args, **kwargs):
        if host not in LOCAL_HOSTS:
            raise OSError(f"Test tried to resolve {host!r}, but tests may reach only 127.0.0.1.")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local_only)


@pytest.fixture(scope="session")
def local_model():
    """Serve the embedded model for this test session and return its Inspect model name."""
    from msm_nb.serve import INSPECT_LOCAL_MODEL, local_model_env, serve_local

    with pytest.MonkeyPatch.context() as patch:
        for name, value in local_model_env(serve_local()).items():
            patch.setenv(name, value)
        yield INSPECT_LOCAL_MODEL
