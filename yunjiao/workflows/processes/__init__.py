"""The declared processes, one module each.  Importing this package registers them all."""

from yunjiao.workflows.processes import (  # noqa: F401
    coercive_measure,
    discharge,
    intake,
    pre_sentence_assessment,
    termination,
)

ORDER = ["pre_sentence_assessment", "intake", "discharge", "termination", "coercive_measure"]
