import pytest

from yunjiao.core.testing import build_cast


@pytest.fixture
def cast(db):
    return build_cast()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()
