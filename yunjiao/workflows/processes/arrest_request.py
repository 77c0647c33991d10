"""提请逮捕 — arrest request filed with a revocation proposal (LAW art.47: the court decides within
48 hours, D13; custody up to 30 days).  The revocation itself is the `termination` process."""

from django.db import models

from yunjiao.workflows.engine import DeadlineSpec, Field, T, Workflow, register
from yunjiao.workflows.processes.roles import COUNTY


class S(models.TextChoices):
    REQUESTED = "requested", "已提请逮捕，待法院决定(48小时)"
    ARRESTED = "arrested", "法院决定逮捕"
    REFUSED = "refused", "法院不予逮捕"
    RELEASED = "released", "已释放"


WORKFLOW = register(Workflow(
    "arrest_request", "提请逮捕", S, S.REQUESTED, final={S.REFUSED, S.RELEASED},
    description="社区矫正法第47条：人民法院48小时内作出是否逮捕的决定；羁押期限不超过30日",
    transitions=[
        T("request", "提请逮捕", (), S.REQUESTED, COUNTY, needs_note=True,
          fields=(Field("court", "受理法院", max_length=100),
                  Field("requested_on", "提请日期", "date", past_only=True)),
          documents=("arrest_request",), deadline=DeadlineSpec("D13", start="field:requested_on")),
        T("record_arrest", "登记逮捕决定", S.REQUESTED, S.ARRESTED, COUNTY, deadline=None,
          fields=(Field("decision_date", "决定日期", "date", past_only=True),)),
        T("record_refusal", "登记不予逮捕", S.REQUESTED, S.REFUSED, COUNTY, deadline=None, style="secondary",
          fields=(Field("decision_date", "决定日期", "date", past_only=True),)),
        T("record_release", "登记释放(未撤销)", S.ARRESTED, S.RELEASED, COUNTY, deadline=None, style="secondary",
          fields=(Field("release_date", "释放日期", "date", past_only=True),)),
    ],
))
