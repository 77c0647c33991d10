"""警告 — warning (LAW art.28; grounds per Wenzhou Q&A incl. two uncorrected 训诫, domain.md §2.7)."""

from yunjiao.workflows.engine import register
from yunjiao.workflows.processes._reward_sanction import declare

WORKFLOW = register(declare("warning", "警告", "违反监督管理规定", "warning_decision",
                            "社区矫正法第28条：违反监督管理规定情节较重或训诫后仍不改正的，给予警告；县级机构决定、抄送检察院"))
