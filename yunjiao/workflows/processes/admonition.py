"""训诫 — admonition (LAW art.28; grounds per Wenzhou Q&A, domain.md §2.7)."""

from yunjiao.workflows.engine import register
from yunjiao.workflows.processes._reward_sanction import declare

WORKFLOW = register(declare("admonition", "训诫", "违反监督管理规定", "admonition_decision",
                            "社区矫正法第28条：违反监督管理规定情节轻微的，给予训诫；司法所调查、县级机构决定、抄送检察院"))
