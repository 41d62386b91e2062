"""Problem details live in the kernel (MonoPilot's own app uses them too); re-exported
here for the server's modules."""

from monopilot_integrations.core.web.problems import (
    PROBLEM_JSON,
    Problem,
    ProblemDetail,
    problem_response,
)

__all__ = ["PROBLEM_JSON", "Problem", "ProblemDetail", "problem_response"]
