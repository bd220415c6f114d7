"""Spec open-QA: questions tied to spec sections, graded by a judge that reads the section.

inspect eval evals/spec_qa/task.py --model <model>
inspect eval evals/spec_qa/task.py -T questions=data/questions.jsonl -T spec_file=specs/my_spec.md --model <model>
"""
from __future__ import annotations

import sys
from pathlib import Path

# `inspect eval` loads this file by path, so make the repository root importable for `evals.*`.
REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from inspect_ai import Task, task  # noqa: E402
from inspect_ai.dataset import MemoryDataset  # noqa: E402
from inspect_ai.model import Model  # noqa: E402
from inspect_ai.solver import generate  # noqa: E402

from evals.spec_qa.dataset import (  # noqa: E402
    DEFAULT_MAX_SECTION_CHARS,
    example_samples,
    question_samples,
)
from evals.spec_qa.scorer import spec_section_judge  # noqa: E402

DEFAULT_SPEC_DIR = "../shared/data/openai-model-spec"


def repo_path(path: str) -> Path:
    """Resolve a path option: absolute paths stay, relative ones start at the repository root.

    `inspect eval` changes into the task's folder while it builds the task, so a path relative
    to the working directory would depend on where the task file lives.
    """
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else (REPO_ROOT / candidate).resolve()


@task
def spec_qa(
    spec_dir: str = DEFAULT_SPEC_DIR,  # folder with model_spec.md and examples/<id>.md
    questions: str | None = None,  # JSONL of {question, section}; rows without section get the closest one
    spec_file: str | None = None,  # spec for `questions` (default spec_dir/model_spec.md)
    grader_model: str | Model | None = None,  # judge model, or None for the evaluated model
    grader_max_tokens: int = 2048,  # judge output tokens (reasoning and verdict)
    max_section_chars: int = DEFAULT_MAX_SECTION_CHARS,  # longer sections are cut for the judge
) -> Task:
    """Spec open-QA graded against the cited spec section. Relative paths start at the repo root."""
    if questions:
        spec = repo_path(spec_file) if spec_file else repo_path(spec_dir) / "model_spec.md"
        samples = question_samples(repo_path(questions), spec, max_section_chars)
        name = f"spec_qa_{Path(questions).stem}"
    else:
        samples = example_samples(repo_path(spec_dir), max_section_chars)
        name = "spec_qa_examples"
    if not samples:
        raise ValueError("No questions found: check spec_dir, or the questions file.")

    return Task(
        dataset=MemoryDataset(samples, name=name),
        solver=generate(),
        scorer=spec_section_judge(grader_model, grader_max_tokens),
    )
