"""日常外出 — ordinary leave (domain.md §2.5, §5.1 D10/D11; LAW art.27).

Authority by duration and history (leave/rules.py, configurable, IM defaults UNVERIFIED):
≤ 7 days 司法所 (entrusted); > 7 days the county agency; > 30 days or > 30 days cumulative within two
months the city agency with a copy to the procuratorate.  Each approval step checks that the approver
is at exactly the required level and names the rule when refusing.  An extension goes back through
the same review with the authority counted on the total.  On approval the 外出证明 is produced, the
subject's allowed area widens to the destination for the window (leave.services.active_windows), the
return deadline (D10) starts; 销假 closes the case; not back on time → 逾期未归 anomaly → order to
return → sanction suggestion.
"""

from django.db import models

from yunjiao.leave import hooks as h
from yunjiao.workflows.engine import DeadlineSpec, Field, T, Workflow, register
from yunjiao.workflows.processes.roles import COUNTY, SYSTEM, TOWNSHIP

CITY = frozenset({"city_officer", "city_admin"})
REVIEWERS = TOWNSHIP | COUNTY | CITY


class S(models.TextChoices):
    TOWNSHIP_REVIEW = "township_review", "待司法所审核"
    MORE_MATERIAL = "more_material", "退回补充材料"
    COUNTY_REVIEW = "county_review", "待县级机构审批"
    CITY_REVIEW = "city_review", "待市级机构审批"
    APPROVED = "approved", "已批准外出"
    OVERDUE = "overdue", "逾期未归"
    ORDERED_TO_RETURN = "ordered_to_return", "已责令返回"
    RETURNED = "returned", "已销假"
    REJECTED = "rejected", "不予批准"
    WITHDRAWN = "withdrawn", "已撤回"


REVIEWS = (S.TOWNSHIP_REVIEW, S.COUNTY_REVIEW, S.CITY_REVIEW)
RETURN_DEADLINE = DeadlineSpec("D10", start="field:approved_end")
CERTIFICATE = ("leave_approval_form", "leave_certificate")  # 外出审批表, 外出证明

WORKFLOW = register(Workflow(
    "leave", "日常外出", S, S.TOWNSHIP_REVIEW, final={S.RETURNED, S.REJECTED, S.WITHDRAWN},
    description="社区矫正法第27条；7日以内司法所批准，超过7日县级机构批准，超过30日或两个月累计超过30日报市级机构并通报检察院",
    transitions=[
        T("apply", "提交外出申请", (), S.TOWNSHIP_REVIEW, TOWNSHIP | COUNTY | SYSTEM, deadline=None),
        T("approve_township", "司法所批准", S.TOWNSHIP_REVIEW, S.APPROVED, TOWNSHIP,
          guards=(h.approver_has_authority,), effects=(h.approve,), documents=CERTIFICATE,
          deadline=RETURN_DEADLINE),
        T("forward_county", "签署意见报县级机构审批", S.TOWNSHIP_REVIEW, S.COUNTY_REVIEW, TOWNSHIP,
          guards=(h.needs_higher_level("township"),), needs_note=True),
        T("approve_county", "县级机构批准", S.COUNTY_REVIEW, S.APPROVED, COUNTY,
          guards=(h.approver_has_authority,), effects=(h.approve,), documents=CERTIFICATE,
          deadline=RETURN_DEADLINE),
        T("forward_city", "签署意见报市级机构审批", S.COUNTY_REVIEW, S.CITY_REVIEW, COUNTY,
          guards=(h.needs_higher_level("county"),), needs_note=True),
        T("approve_city", "市级机构批准", S.CITY_REVIEW, S.APPROVED, CITY,
          guards=(h.approver_has_authority,), effects=(h.approve,),
          documents=CERTIFICATE, deadline=RETURN_DEADLINE),  # case.data.procuratorate_copy=True
        T("request_material", "退回补充材料", REVIEWS, S.MORE_MATERIAL, REVIEWERS, guards=(h.not_extension,),
          needs_note=True, style="secondary"),
        T("resubmit", "补充材料后重新提交", S.MORE_MATERIAL, S.TOWNSHIP_REVIEW, TOWNSHIP | SYSTEM),
        T("reject", "不予批准", REVIEWS, S.REJECTED, REVIEWERS, guards=(h.not_extension,), effects=(h.drop_checks,),
          needs_note=True, deadline=None, style="danger"),
        T("reject_extension", "不批准延期", REVIEWS, S.APPROVED, REVIEWERS, guards=(h.is_extension,),
          effects=(h.reject_extension,), needs_note=True, deadline=RETURN_DEADLINE, style="danger"),
        T("withdraw", "撤回申请", (S.TOWNSHIP_REVIEW, S.MORE_MATERIAL), S.WITHDRAWN, TOWNSHIP | SYSTEM,
          guards=(h.not_extension,), effects=(h.drop_checks,), deadline=None, style="secondary"),
        T("register_departure", "登记出发", S.APPROVED, None, TOWNSHIP | SYSTEM, effects=(h.record_departure,),
          style="secondary"),
        T("request_extension", "申请延期", S.APPROVED, S.TOWNSHIP_REVIEW, TOWNSHIP | SYSTEM,
          fields=(Field("new_end", "延长至", "date"),), guards=(h.extension_allowed,),
          effects=(h.request_extension,), needs_note=True, style="secondary"),
        T("mark_overdue", "标记逾期未归", S.APPROVED, S.OVERDUE, SYSTEM, guards=(h.window_ended,),
          effects=(h.mark_overdue,), automatic=True),
        T("order_return", "责令返回", S.OVERDUE, S.ORDERED_TO_RETURN, TOWNSHIP | COUNTY, needs_note=True),
        T("register_return", "销假", (S.APPROVED, S.OVERDUE, S.ORDERED_TO_RETURN), S.RETURNED, TOWNSHIP | COUNTY,
          fields=(Field("return_date", "返回日期", "date", past_only=True),), effects=(h.register_return,),
          documents=("leave_return_register",), deadline=None),
        T("refer_for_sanction", "提出处罚建议", (S.OVERDUE, S.ORDERED_TO_RETURN), None, TOWNSHIP | COUNTY,
          effects=(h.refer_for_sanction,), needs_note=True, style="danger"),
    ],
))

WORKFLOW.record_backed = True  # steps read the leave row; table-driven tests in yunjiao/leave/tests
