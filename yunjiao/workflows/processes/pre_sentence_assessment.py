"""调查评估 — pre-sentence / pre-decision investigation and assessment (domain.md §2.1).

LAW art.18: the deciding authority may commission the county agency to investigate the person's
social dangerousness and the impact on the community; the county agency assigns the 司法所 of the
person's residence, which investigates; the county agency reviews and issues the opinion.
Deadline D1: 10 working days from receipt of the commission letter and materials, 5 for 速裁
(fast-track) cases; extension only by agreement with the commissioning body (IM, unverified).
"""

from django.db import models

from yunjiao.workflows.engine import DeadlineSpec, Field, T, Workflow, register
from yunjiao.workflows.processes.effects import move_to_township
from yunjiao.workflows.processes.guards import township_in_case_county
from yunjiao.workflows.processes.roles import COUNTY, TOWNSHIP


class S(models.TextChoices):
    RECEIVED = "received", "已收到委托"
    ASSIGNED = "assigned", "已指派司法所"
    INVESTIGATING = "investigating", "调查中"
    DRAFT_OPINION = "draft_opinion", "评估意见拟定"
    COUNTY_REVIEW = "county_review", "县级审核中"
    REVIEWED = "reviewed", "审核通过"
    OPINION_SENT = "opinion_sent", "意见书已送达"
    RETURNED_UNABLE = "returned_unable", "已退回委托机关"


COMMISSIONING_TYPES = (("court", "人民法院"), ("procuratorate", "人民检察院"), ("police", "公安机关"),
                       ("prison", "监狱"), ("investigation", "侦查机关"))
PERSON_TYPES = (("defendant", "被告人"), ("prisoner", "罪犯"), ("other", "其他"))
CATEGORIES = (("surveillance", "管制"), ("probation", "缓刑"), ("parole", "假释"),
              ("temporary_release", "暂予监外执行"))
OPINIONS = (("suitable", "适宜社区矫正"), ("unsuitable", "不适宜社区矫正"))
UNABLE_REASONS = (("identity", "被调查人身份信息不真实"), ("residence", "居住地不在本辖区"),
                  ("materials", "委托材料不全且无法补正"), ("other", "其他原因"))

NOT_FINAL = (S.RECEIVED, S.ASSIGNED, S.INVESTIGATING, S.DRAFT_OPINION, S.COUNTY_REVIEW, S.REVIEWED)


def deadline_rule(case, data):
    fast = data.get("fast_track", (case.data or {}).get("fast_track", False))
    return "D1_FAST" if fast else "D1"


WORKFLOW = register(Workflow(
    "pre_sentence_assessment", "调查评估", S, S.RECEIVED, final={S.OPINION_SENT, S.RETURNED_UNABLE},
    description="社区矫正法第18条；期限：收到委托函及材料之日起10个工作日(速裁5个工作日)",
    transitions=[
        T("receive", "登记委托", (), S.RECEIVED, COUNTY,
          fields=(Field("commissioning_body", "委托机关"),
                  Field("commissioning_type", "委托单位类型", "choice", choices=COMMISSIONING_TYPES),
                  Field("commission_number", "委托函文号", required=False),
                  Field("person_name", "被调查评估人姓名", max_length=32),
                  Field("person_type", "被调查评估人类型", "choice", choices=PERSON_TYPES),
                  Field("proposed_category", "拟适用矫正类别", "choice", choices=CATEGORIES),
                  Field("received_date", "收到委托函及材料日期", "date", past_only=True),
                  Field("fast_track", "速裁程序案件", "bool", required=False)),
          deadline=DeadlineSpec(deadline_rule, start="field:received_date")),
        T("assign", "指派司法所调查", S.RECEIVED, S.ASSIGNED, COUNTY,
          fields=(Field("township", "承办司法所", "org"),), guards=(township_in_case_county,),
          effects=(move_to_township,), documents=("assessment_assignment_notice",)),
        T("begin_investigation", "开始调查", S.ASSIGNED, S.INVESTIGATING, TOWNSHIP),
        T("submit_findings", "提交调查情况和评估意见", S.INVESTIGATING, S.DRAFT_OPINION, TOWNSHIP,
          needs_attachment=True,
          fields=(Field("interviewed_on", "走访调查日期", "date", past_only=True),
                  Field("residence_situation", "居所情况", "textarea"),
                  Field("family_relations", "家庭和社会关系", "textarea"),
                  Field("past_behaviour", "一贯表现", "textarea"),
                  Field("committee_opinion", "村(居)民委员会意见", "textarea"),
                  Field("victim_opinion", "被害人意见", "textarea", required=False),
                  Field("proposed_prohibitions", "拟禁止的事项", "textarea", required=False),
                  Field("opinion", "评估意见", "choice", choices=OPINIONS)),
          documents=("assessment_interview_record",)),
        T("submit_for_review", "报县级审核", S.DRAFT_OPINION, S.COUNTY_REVIEW, TOWNSHIP,
          documents=("assessment_opinion_approval_form",)),
        T("approve", "审核通过", S.COUNTY_REVIEW, S.REVIEWED, COUNTY,
          documents=("assessment_opinion",)),
        T("return_for_revision", "退回补充调查", S.COUNTY_REVIEW, S.INVESTIGATING, COUNTY,
          needs_note=True, style="secondary"),
        T("send_opinion", "送达评估意见书", S.REVIEWED, S.OPINION_SENT, COUNTY, deadline=None,
          fields=(Field("sent_date", "送达日期", "date", past_only=True),
                  Field("copied_to_procuratorate", "已抄送县级人民检察院", "bool", required=False))),
        T("return_unable", "无法调查，退回委托机关", (S.RECEIVED, S.ASSIGNED, S.INVESTIGATING),
          S.RETURNED_UNABLE, COUNTY, needs_note=True, deadline=None, style="danger",
          fields=(Field("unable_reason", "退回原因", "choice", choices=UNABLE_REASONS),),
          documents=("assessment_return_letter",),
          help="须书面说明理由，不得无故拒绝"),
        T("extend", "登记与委托机关协商延期", NOT_FINAL, None, COUNTY, needs_note=True, style="secondary",
          fields=(Field("new_due_date", "协商确定的新期限", "date", future_only=True),
                  Field("agreed_with", "委托机关联系人", max_length=64)),
          deadline=DeadlineSpec("D1", due_field="new_due_date")),
    ],
))
