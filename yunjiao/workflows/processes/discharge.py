"""解除 — discharge on expiry (domain.md §2.8, D17/D18).

LAW art.44: on expiry the county agency issues the 解除社区矫正证明书 and notifies the deciding
authority, the procuratorate and the police.  The case opens automatically 30 days (D17,
configurable) before the period ends: personal summary, the office's written evaluation, the
discharge announcement.  Discharge is blocked while a revocation/收监 proposal or a criminal
coercive measure is open (司办通〔2021〕94号); the case then waits for a manual decision.
"""

from django.db import models

from yunjiao.workflows.engine import DeadlineSpec, Field, T, Workflow, register
from yunjiao.workflows.processes.guards import needs_subject, no_open_blockers, period_ended
from yunjiao.workflows.processes.roles import COUNTY, OFFICERS, SYSTEM, TOWNSHIP


class S(models.TextChoices):
    PREPARING = "preparing", "解矫准备"
    EVALUATED = "evaluated", "已完成鉴定"
    ON_HOLD = "on_hold", "暂缓解除(待人工决定)"
    ANNOUNCED = "announced", "已解矫宣告"
    DISCHARGED = "discharged", "已解除"
    NOTIFIED = "notified", "已通知相关机关"
    ARCHIVED = "archived", "已归档"


ACTIVE = (S.PREPARING, S.EVALUATED, S.ANNOUNCED)

WORKFLOW = register(Workflow(
    "discharge", "解除矫正", S, S.PREPARING, final={S.ARCHIVED},
    description="社区矫正法第44条；期满前30日启动(可配置)；有未结撤销/收监提请或刑事强制措施时不得解除",
    transitions=[
        T("open", "启动解矫准备", (), S.PREPARING, SYSTEM | COUNTY, guards=(needs_subject,),
          deadline=DeadlineSpec("D18", start="subject:period_end")),
        T("evaluate", "登记个人总结和书面鉴定", S.PREPARING, S.EVALUATED, TOWNSHIP,
          fields=(Field("summary_received_on", "个人总结收到日期", "date", past_only=True),
                  Field("evaluation", "司法所书面鉴定意见", "textarea"),
                  Field("resettlement", "安置帮教衔接情况", "textarea", required=False)),
          documents=("personal_summary", "expiry_appraisal_form")),
        T("announce", "解矫宣告", S.EVALUATED, S.ANNOUNCED, OFFICERS,
          guards=(no_open_blockers, period_ended),
          fields=(Field("announcement_date", "宣告日期", "date", past_only=True),),
          documents=("discharge_announcement",), enforcement=True),
        T("discharge", "发放解除社区矫正证明书", S.ANNOUNCED, S.DISCHARGED, COUNTY,
          guards=(no_open_blockers, period_ended),
          fields=(Field("discharge_date", "解除日期", "date", past_only=True),),
          documents=("discharge_certificate",)),
        T("notify_authorities", "通知决定机关、检察院、公安机关", S.DISCHARGED, S.NOTIFIED, COUNTY,
          deadline=None,
          fields=(Field("notified_on", "通知日期", "date", past_only=True),),
          documents=("discharge_notice", "resettlement_handover_form")),
        T("archive", "归档", S.NOTIFIED, S.ARCHIVED, COUNTY, style="secondary"),
        T("hold", "暂缓解除，转人工决定", ACTIVE, S.ON_HOLD, COUNTY, needs_note=True, style="danger",
          deadline=None, help="有未结的撤销缓刑/假释、收监执行提请或刑事强制措施时使用"),
        T("resume", "恢复解矫", S.ON_HOLD, S.PREPARING, COUNTY, guards=(no_open_blockers,), needs_note=True,
          deadline=DeadlineSpec("D18", start="subject:period_end")),
    ],
))
