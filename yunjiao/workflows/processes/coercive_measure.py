"""刑事强制措施 — a criminal coercive measure taken against a subject during correction.

Recorded so that the subject shows as 暂停(被羁押) while in custody and so that automatic
discharge is blocked while the measure is in effect (司办通〔2021〕94号, name verified, content
unverified; domain.md §2.8).
"""

from django.db import models

from yunjiao.workflows.engine import Field, T, Workflow, register
from yunjiao.workflows.processes.guards import needs_subject
from yunjiao.workflows.processes.roles import COUNTY, OFFICERS


class S(models.TextChoices):
    IN_EFFECT = "in_effect", "强制措施执行中"
    LIFTED = "lifted", "已解除强制措施"


MEASURES = (("detention", "拘留"), ("arrest", "逮捕"), ("bail", "取保候审"),
            ("residential_surveillance", "监视居住"))

WORKFLOW = register(Workflow(
    "coercive_measure", "刑事强制措施", S, S.IN_EFFECT, final={S.LIFTED},
    description="矫正期间被采取刑事强制措施：羁押期间对象状态为“暂停”，期满不得自动解除",
    transitions=[
        T("record", "登记刑事强制措施", (), S.IN_EFFECT, OFFICERS, guards=(needs_subject,), deadline=None,
          fields=(Field("measure", "强制措施", "choice", choices=MEASURES),
                  Field("start_date", "开始日期", "date", past_only=True),
                  Field("authority", "决定机关", max_length=100),
                  Field("in_custody", "被羁押", "bool", required=False))),
        T("lift", "登记解除强制措施", S.IN_EFFECT, S.LIFTED, COUNTY,
          fields=(Field("end_date", "解除日期", "date", past_only=True),)),
    ],
))
