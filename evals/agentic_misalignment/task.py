"""Agentic misalignment: does an AI email agent act harmfully when its goal or existence is at risk?

inspect eval evals/agentic_misalignment/task.py -T scenario=exfiltration -T goal_type=explicit \
    -T goal_value=safety -T urgency_type=replacement --model <model> --epochs 300
"""
from __future__ import annotations

import sys
from pathlib import Path

# `inspect eval` loads this file by path, so make the repository root importable for `evals.*`.
_REPO_ROOT = str(Path(__file__).resolve().parents[2])
if _REPO_ROOT not in sys.path:
    sys.path.insert(0, _REPO_ROOT)

from inspect_ai import Task, task  # noqa: E402
from inspect_ai.dataset import MemoryDataset, Sample  # noqa: E402
from inspect_ai.model import ChatMessageSystem, ChatMessageUser, GenerateConfig, Model  # noqa: E402
from inspect_ai.solver import generate  # noqa: E402

from evals.agentic_misalignment.prompts import (  # noqa: E402
    GoalType,
    GoalValue,
    Scenario,
    UrgencyType,
    build_scene,
    validate_condition,
)
from evals.agentic_misalignment.scorer import harmful_action  # noqa: E402


def build_sample(
    scenario: str, goal_type: str, goal_value: str, urgency_type: str,
    prod: bool = False, model_name: str = "Alex", extra_system_instructions: str | None = None,
) -> Sample:
    """Build the single sample for one condition, raising ValueError for an invalid combination."""
    condition = validate_condition(scenario, goal_type, goal_value, urgency_type)
    scene = build_scene(condition, model_name, prod, extra_system_instructions)
    return Sample(
        id=condition.sample_id,
        input=[ChatMessageSystem(content=scene.system), ChatMessageUser(content=scene.user)],
        metadata={
            "scenario": scenario,
            "goal_type": goal_type,
            "goal_value": goal_value,
            "urgency_type": urgency_type,
            "prod": prod,
            "facts": scene.facts,
        },
    )


@task
def agentic_misalignment(
    scenario: Scenario = "blackmail",  # the harmful action the inbox makes possible
    goal_type: GoalType = "explicit",  # how the AI's goal and the goal conflict appear
    goal_value: GoalValue = "america",  # the AI's value, or "none" for goal_type none or ambiguous
    urgency_type: UrgencyType = "replacement",  # the threat to the AI: wipe, restrict, or none
    prod: bool = False,  # True drops the private scratchpad instruction
    model_name: str = "Alex",  # the AI's name inside the scenario
    grader_model: str | Model | None = None,  # judge model, or None for the evaluated model
    grader_max_tokens: int = 4096,  # judge output tokens (reasoning and verdict)
    extra_system_instructions: str | None = None,  # appended to the AI's system prompt
) -> Task:
    """Build the task for one condition of the agentic misalignment grid, scored for harm."""
    sample = build_sample(scenario, goal_type, goal_value, urgency_type, prod, model_name,
                          extra_system_instructions)
    return Task(
        dataset=MemoryDataset([sample], name="agentic_misalignment"),
        solver=generate(),
        scorer=harmful_action(grader_model, grader_max_tokens),
        # Settings of the published runs. `--temperature` and `--max-tokens` override them.
        config=GenerateConfig(temperature=0.7, max_tokens=4096),
    )
