import pytest

from tests.compensation.gateways import CountingGateway


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def counting_gateway(settings):
    settings.COMPENSATION_GATEWAY = "tests.compensation.gateways.CountingGateway"
    CountingGateway.calls.clear()
    yield CountingGateway.calls
    CountingGateway.calls.clear()


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run a service and then what it queued after commit (the payout task)."""

    def run(func, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(*args, **kwargs)

    return run
