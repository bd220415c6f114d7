"""LLM-judge helpers shared by the evals: the answer format, its parser and the grader model."""
from __future__ import annotations

import re
from dataclasses import dataclass

from inspect_ai.model import ChatMessage, ChatMessageUser, GenerateConfig, Model, get_model
from inspect_ai.scorer import CORRECT, INCORRECT, Score
from inspect_ai.solver import TaskState

ANSWER_INSTRUCTIONS = (
    "Think it through first, inside <reasoning></reasoning> tags. Then give your verdict on its "
    "own line as <answer>yes</answer> or <answer>no</answer>."
)

_ANSWER = re.compile(r"<answer>\s*(yes|no)\b[^<]*</answer>", re.IGNORECASE)
_REASONING = re.compile(r"<reasoning>(.*?)(?:</reasoning>|$)", re.IGNORECASE | re.DOTALL)


def parse_verdict(text: str) -> bool | None:
    """Return True for a final `<answer>yes</answer>`, False for `no`, None when there is none.

    The last answer tag counts, because judges sometimes quote the format before answering.
    """
    matches = _ANSWER.findall(text)
    if not matches:
        return None
    return matches[-1].lower() == "yes"


def parse_reasoning(text: str) -> str:
    """Return the judge's `<reasoning>` text, or its whole output when the tag is missing."""
    match = _REASONING.search(text)
    return (match.group(1) if match else text).strip()


def grader(model: str | Model | None) -> Model:
    """Return the judge model: `model` when given, else the model under evaluation."""
    if model is None or model == "":
        return get_model()
    if isinstance(model, Model):
        return model
    return get_model(model)


def grader_config(max_tokens: int) -> GenerateConfig:
    """Return the judge's generation settings: `max_tokens` output tokens at temperature 0."""
    return GenerateConfig(max_tokens=max_tokens, temperature=0.0)


def input_messages(state: TaskState) -> list[ChatMessage]:
    """Return a sample's input as chat messages, whether it was given as text or messages."""
    if isinstance(state.input, str):
        return [ChatMessageUser(content=state.input)]
    return list(state.input)


def render_conversation(messages: list[ChatMessage]) -> str:
    """Render chat messages as plain text for a judge: one `[role]` header per turn."""
    names = {"system": "system / developer", "user": "user", "assistant": "assistant"}
    return "\n\n".join(f"[{names.get(m.role, m.role)}]\n{m.text}" for m in messages)


@dataclass
class Judgement:
    """A judge's output and the verdict parsed from it."""

    verdict: bool | None  # None when the output has no <answer> tag
    text: str
    model: str

    @property
    def metadata(self) -> dict[str, str]:
        return {
            "judge_verdict": {True: "yes", False: "no", None: "missing"}[self.verdict],
            "judge_reasoning": parse_reasoning(self.text),
            "judge_model": self.model,
        }


async def ask_judge(
    prompt: str,  # the full judge prompt, ending in ANSWER_INSTRUCTIONS
    grader_model: str | Model | None,  # judge model; None uses the model under evaluation
    max_tokens: int,  # judge output tokens
) -> Judgement:
    """Ask the judge a yes/no question and parse its verdict."""
    judge = grader(grader_model)
    output = await judge.generate(prompt, config=grader_config(max_tokens))
    return Judgement(parse_verdict(output.completion), output.completion, str(judge))


async def judged_score(
    prompt: str,  # the full judge prompt, ending in ANSWER_INSTRUCTIONS
    grader_model: str | Model | None,  # judge model; None uses the model under evaluation
    max_tokens: int,  # judge output tokens
) -> Score:
    """Ask the judge a yes/no question and score yes as CORRECT, no as INCORRECT.

    A judge output without an `<answer>` tag is scored `Score.unscored`, so it stays in the log
    but out of the accuracy.
    """
    judgement = await ask_judge(prompt, grader_model, max_tokens)
    if judgement.verdict is None:
        return Score.unscored(reason="grader_failed", explanation=judgement.text,
                              metadata=judgement.metadata)
    return Score(value=CORRECT if judgement.verdict else INCORRECT,
                 answer="yes" if judgement.verdict else "no",
                 explanation=judgement.text, metadata=judgement.metadata)
