import pytest


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Attachments go to a throw-away private directory."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def agent(db):
    from tests.complaints.factories import available_agent

    return available_agent("agent-owner")
