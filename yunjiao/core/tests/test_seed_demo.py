"""`manage.py seed_demo` (what `make run` loads): demo accounts that can log in, officers who can carry out
enforcement steps because they hold an active work certificate, a social worker who cannot, a phone account for
one supervised person with a task, and a second run with --if-empty that changes nothing."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from yunjiao.accounts.models import User
from yunjiao.checkins.models import CheckTask
from yunjiao.core.management.commands.seed_demo import DEMO_PASSWORD, PORTAL_USERNAME
from yunjiao.staff import services as staff
from yunjiao.staff.models import WorkCertificate
from yunjiao.subjects.models import Subject

pytestmark = pytest.mark.django_db


def test_seed_demo_accounts_certificates_and_portal(client):
    call_command("seed_demo", subjects=20, verbosity=0)
    assert Subject.objects.count() == 32  # 20 + the 12 always put in 许庄
    for username in ("city_admin", "rencheng_officer", "xuzhuang", "sg_370811002", "admin"):
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD)
    for username in ("xuzhuang", "liying", "rencheng_head", "rencheng_officer", "qufu_officer", "city_officer"):
        assert staff.enforcement_reasons(User.objects.get(username=username)) == [], username
    cert = WorkCertificate.objects.get(profile__user__username="xuzhuang")
    assert cert.status == "active" and cert.number and [h["action"] for h in cert.history] == [
        "apply", "county_review", "city_approve", "file", "activate"]
    assert staff.enforcement_reasons(User.objects.get(username="sg_370811002"))  # 社工: may only co-sign
    phone = User.objects.get(username=PORTAL_USERNAME)
    assert phone.role == "subject" and phone.subject.township.code == "370811002"
    assert CheckTask.objects.filter(subject=phone.subject, status="pending").count() == 1
    r = client.post(reverse("accounts:login"), {"username": PORTAL_USERNAME, "password": DEMO_PASSWORD})
    assert r.status_code == 302
    page = client.get("/m/").content.decode()
    assert "演示：点对点抽查" in page or "点对点抽查" in page

    counts = (User.objects.count(), Subject.objects.count(), WorkCertificate.objects.count(), CheckTask.objects.count())
    call_command("seed_demo", if_empty=True, verbosity=0)
    assert (User.objects.count(), Subject.objects.count(), WorkCertificate.objects.count(),
            CheckTask.objects.count()) == counts
