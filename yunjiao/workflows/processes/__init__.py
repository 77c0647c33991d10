"""The declared processes, one module each.  Importing this package registers them all."""

from yunjiao.workflows.processes import (  # noqa: F401
    admonition,
    arrest_request,
    business_travel,
    coercive_measure,
    commendation,
    discharge,
    intake,
    leave,
    monitoring,
    police_penalty_request,
    pre_sentence_assessment,
    termination,
    transfer,
    warning,
)

ORDER = ["pre_sentence_assessment", "intake", "discharge", "termination", "coercive_measure",
         "leave", "business_travel", "transfer", "monitoring", "commendation", "admonition", "warning",
         "police_penalty_request", "arrest_request"]
