"""表扬 — commendation (LAW art.28 para 1)."""

from yunjiao.workflows.engine import register
from yunjiao.workflows.processes._reward_sanction import declare

WORKFLOW = register(declare("commendation", "表扬", "表现", "commendation_decision",
                            "社区矫正法第28条：认真遵守监督管理规定、接受教育帮扶，表现突出的，给予表扬；"
                            "司法所调查、县级机构决定"))
