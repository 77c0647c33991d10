"""经营性外出 — standing business-travel permit (domain.md §6.5; LAW art.27 simplified procedure).

The enterprise link is verified once; the permit (validity default 6 months, destinations, maximum
days per trip, reporting duty) is approved once by the county agency after the 司法所 opinion, with a
generated copy to the procuratorate.  Each trip under it is a short registration
(leave.services.register_trip) that still counts for the cumulative-day rule and the geofence.
"""

from django.db import models

from yunjiao.leave import hooks as h
from yunjiao.workflows.engine import T, Workflow, register
from yunjiao.workflows.processes.roles import COUNTY, SYSTEM, TOWNSHIP


class S(models.TextChoices):
    TOWNSHIP_REVIEW = "township_review", "待司法所审核"
    COUNTY_REVIEW = "county_review", "待县级机构审批"
    ACTIVE = "active", "许可有效"
    REJECTED = "rejected", "不予批准"
    REVOKED = "revoked", "已撤销许可"
    EXPIRED = "expired", "已到期"


WORKFLOW = register(Workflow(
    "business_travel", "经营性外出许可", S, S.TOWNSHIP_REVIEW, final={S.REJECTED, S.REVOKED, S.EXPIRED},
    description="社区矫正法第27条：经常性跨市县活动简化审批；一次审批、有效期内多次登记出行",
    transitions=[
        T("apply", "提交经营性外出申请", (), S.TOWNSHIP_REVIEW, TOWNSHIP | COUNTY | SYSTEM, deadline=None),
        T("township_opinion", "司法所审核并报县级机构", S.TOWNSHIP_REVIEW, S.COUNTY_REVIEW, TOWNSHIP,
          guards=(h.link_verified,), needs_note=True),
        T("approve", "县级机构批准许可", S.COUNTY_REVIEW, S.ACTIVE, COUNTY, guards=(h.link_verified,),
          effects=(h.approve_permit,), documents=("business_travel_approval_form", "business_travel_certificate")),
        T("reject", "不予批准", (S.TOWNSHIP_REVIEW, S.COUNTY_REVIEW), S.REJECTED, TOWNSHIP | COUNTY,
          needs_note=True, style="danger"),
        T("revoke", "撤销许可", S.ACTIVE, S.REVOKED, COUNTY, needs_note=True, style="danger"),
        T("expire", "许可到期", S.ACTIVE, S.EXPIRED, SYSTEM, guards=(h.permit_expired,), automatic=True),
    ],
))

WORKFLOW.record_backed = True  # steps read the business_travel row; table-driven tests in yunjiao/leave/tests
