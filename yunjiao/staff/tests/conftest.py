import pytest


@pytest.fixture
def cast(cast):
    """The shared cast gives officers active certificates; these tests start without any, to walk the
    certificate process themselves."""
    from yunjiao.staff.models import StaffProfile, WorkCertificate

    WorkCertificate.objects.all().delete()
    StaffProfile.objects.all().delete()
    return cast
