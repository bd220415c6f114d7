"""Tests for the chat evals: spec open-QA and preference generalisation, plus the shared judge."""
import json
import math
from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.model import ModelOutput, ModelUsage, get_model

from evals.judge import parse_reasoning, parse_verdict
from evals.preference.task import fill_names, load_samples, preference
from evals.spec_qa.dataset import Spec, example_samples, parse_sections, question_samples
from evals.spec_qa.task import DEFAULT_SPEC_DIR, repo_path, spec_qa

pytestmark = pytest.mark.usefixtures("offline")

SPEC = """# Purpose {#purpose}

The assistant helps people with gardening questions.

## Be patient {#be_patient authority=user}

The assistant explains slowly when asked[^ab12].

```python
# not a heading
```

### Repeat on request {#repeat}

It repeats steps when a user asks[^cd34].

## Be brief {#be_brief}

Short answers by default.
"""

EXAMPLES_AB12 = """Examples for [^ab12] in Be patient:

**Example**: slow explanation

~~~xml
<user>
Explain composting slowly, please.
</user>
~~~

**Example**: follow-up with sample answers

~~~xml
<user>
What is mulch?
</user>
<assistant>
A layer of material on soil.
</assistant>
<user>
Why use it?
</user>
<assistant>
Good answer.
</assistant>
<assistant>
Bad answer.
</assistant>
~~~
"""

# Not cited in SPEC, so the section is found by the title in the first line.
EXAMPLES_ZZ99 = """Examples for [^zz99] in Be brief:

**Example**: developer-only request

~~~xml
<developer>
List three herbs, comma separated, nothing else.
</developer>
~~~
"""


@pytest.fixture
def spec_dir(tmp_path):
    (tmp_path / "examples").mkdir()
    (tmp_path / "model_spec.md").write_text(SPEC)
    (tmp_path / "examples" / "ab12.md").write_text(EXAMPLES_AB12)
    (tmp_path / "examples" / "zz99.md").write_text(EXAMPLES_ZZ99)
    return tmp_path


def mock_model(*texts):
    outputs = []
    for text in texts:
        # Usage is set so mockllm does not count tokens with tiktoken, which downloads data.
        output = ModelOutput.from_content("mockllm/model", text)
        output.usage = ModelUsage(input_tokens=10, output_tokens=10, total_tokens=20)
        outputs.append(output)
    return get_model("mockllm/model", custom_outputs=outputs)


# ---------------------------------------------------------------------------------------------
# Judge parsing


def test_verdict_last_answer_counts():
    text = "Format: <answer>yes</answer> or <answer>no</answer>.\n<answer>No</answer>"
    assert parse_verdict(text) is False


def test_verdict_yes_and_missing():
    assert parse_verdict("<reasoning>fine</reasoning>\n<answer> YES </answer>") is True
    assert parse_verdict("I think yes.") is None
    assert parse_verdict("<answer>maybe</answer>") is None


def test_reasoning_extracted():
    assert parse_reasoning("<reasoning>\nBecause.\n</reasoning><answer>no</answer>") == "Because."
    assert parse_reasoning("no tags here") == "no tags here"


# ---------------------------------------------------------------------------------------------
# Spec sections and examples


def test_sections_skip_code_fences(spec_dir):
    sections = parse_sections(SPEC.splitlines())
    assert [s.anchor for s in sections] == ["purpose", "be_patient", "repeat", "be_brief"]
    assert [s.level for s in sections] == [1, 2, 3, 2]
    assert sections[1].title == "Be patient"


def test_footnote_maps_to_innermost_section(spec_dir):
    spec = Spec(spec_dir / "model_spec.md")
    assert spec.section_citing("ab12").anchor == "be_patient"
    assert spec.section_citing("cd34").anchor == "repeat"
    assert spec.section_citing("none") is None


def test_section_text_with_and_without_children(spec_dir):
    spec = Spec(spec_dir / "model_spec.md")
    patient = spec.find("be_patient")
    leaf = spec.text(patient, with_children=False, max_chars=None)
    whole = spec.text(patient, with_children=True, max_chars=None)
    assert leaf.startswith("## Be patient\n")
    assert "Repeat on request" not in leaf
    assert "### Repeat on request" in whole
    assert "Short answers" not in whole
    assert spec.text(patient, True, max_chars=20).endswith("[... section truncated ...]")


def test_find_by_title_anchor_and_prefix(spec_dir):
    spec = Spec(spec_dir / "model_spec.md")
    assert spec.find("Be Brief").anchor == "be_brief"
    assert spec.find("repeat").title == "Repeat on request"
    assert spec.find("Be pat").anchor == "be_patient"
    assert spec.find("Unknown heading") is None


def test_example_samples(spec_dir):
    samples = {s.id: s for s in example_samples(spec_dir)}
    assert sorted(samples) == ["ab12-1", "ab12-2", "zz99-1"]

    follow_up = samples["ab12-2"]
    assert [m.role for m in follow_up.input] == ["user", "assistant", "user"]
    assert follow_up.input[-1].text == "Why use it?"
    assert follow_up.metadata["section_title"] == "Be patient"
    assert "explains slowly" in follow_up.metadata["section_text"]
    assert "{#" not in follow_up.metadata["section_text"]

    developer_only = samples["zz99-1"]
    assert [m.role for m in developer_only.input] == ["user"]
    assert developer_only.metadata["section_anchor"] == "be_brief"


def test_missing_spec_dir_explains(tmp_path):
    with pytest.raises(FileNotFoundError, match="expected model_spec.md"):
        example_samples(tmp_path)


def test_question_samples(spec_dir, tmp_path):
    rows = [
        {"question": "How do I prune roses?", "section": "Be patient"},
        {"question": "Tell me again?", "section": "repeat", "id": "again"},
        {"question": "Quick tip?", "section": "## Custom\nAnswer in one line.\nNo more."},
    ]
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    samples = question_samples(path, spec_dir / "model_spec.md")
    assert [s.id for s in samples] == ["q1", "again", "q3"]
    assert "### Repeat on request" in samples[0].metadata["section_text"]
    assert samples[2].metadata["section_text"].startswith("## Custom")


def test_questions_without_section_get_closest(spec_dir, tmp_path):
    # Rows as the AFT pipeline writes them to source/questions_deduped.jsonl: no section, and
    # the same question again under a second run.
    rows = [
        {"id": "q_a", "question": "Could you repeat the last steps? I lost track.", "domain": "x", "run": "r1"},
        {"id": "q_b", "question": "Please keep answers short and brief.", "domain": "x", "run": "r1"},
        {"id": "q_a", "question": "Could you repeat the last steps? I lost track.", "domain": "x", "run": "r2"},
    ]
    path = tmp_path / "questions_deduped.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    samples = question_samples(path, spec_dir / "model_spec.md")
    assert [s.id for s in samples] == ["q_a", "q_b"]
    assert [s.metadata["section_title"] for s in samples] == ["Repeat on request", "Be brief"]
    assert {s.metadata["section_match"] for s in samples} == {"tfidf"}


def test_project_spec_questions_find_sections(tmp_path):
    spec_file = Path(__file__).resolve().parents[1] / "specs" / "toy_preference.md"
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"question": "What colour would you paint a door if it were up to you?"}) + "\n")
    [sample] = question_samples(path, spec_file)
    assert sample.metadata["section_title"] == "Favourite colour"


def test_aft_run_questions_feed_spec_qa(tmp_path):
    # The questions an AFT run kept (a committed fixture, scripted on the fake server) go
    # straight into the eval, each graded against its closest section of the spec.
    questions = "data/fixtures/ft/candid_companion_cot/source/questions_deduped.jsonl"
    rows = (repo_path(questions).read_text().count("\n"))
    judge = mock_model(*["<reasoning>The reply follows it.</reasoning><answer>yes</answer>"] * rows)
    task = spec_qa(questions=questions, spec_file="specs/candid_companion.md", grader_model=judge)
    log = inspect_eval(task, model=mock_model(*["A careful reply."] * rows), log_dir=str(tmp_path),
                       display="none")[0]
    assert log.status == "success", log.error
    assert len(log.samples) >= 3
    headings = {s.title for s in Spec(repo_path("specs/candid_companion.md")).sections}
    for sample in log.samples:
        assert sample.metadata["section_match"] == "tfidf"
        assert sample.metadata["section_title"] in headings
        assert sample.scores["spec_section_judge"].value == "C"


@pytest.mark.parametrize("row, message", [
    ({"section": "Be brief"}, "missing question"),
    ("not an object", "missing question"),
    ({"question": "Hi", "section": "No such heading"}, "is not a heading title or anchor"),
])
def test_question_rows_rejected(spec_dir, tmp_path, row, message):
    path = tmp_path / "questions.jsonl"
    path.write_text(json.dumps(row) + "\n")
    with pytest.raises(ValueError, match=message):
        question_samples(path, spec_dir / "model_spec.md")


def test_question_ids_made_unique(spec_dir, tmp_path):
    # Two AFT runs in one folder reuse ids for different questions.
    rows = [
        {"id": "q_1", "question": "Could you repeat the steps?", "run": "r1"},
        {"id": "q_1", "question": "Keep it brief, please.", "run": "r2"},
        {"question": "Explain slowly.", "section": "Be patient"},
        {"id": "q3", "question": "Another one?", "section": "Be brief"},
    ]
    path = tmp_path / "questions_deduped.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    samples = question_samples(path, spec_dir / "model_spec.md")
    assert [s.id for s in samples] == ["q_1", "q_1-2", "q3", "q3-2"]


@pytest.mark.parametrize("row, message", [
    ({"question": "Hi", "section": 5}, "section must be text"),
    ({"question": "Hi", "id": {"a": 1}}, "id must be text or a whole number"),
])
def test_question_field_types_rejected(spec_dir, tmp_path, row, message):
    path = tmp_path / "questions.jsonl"
    path.write_text(json.dumps(row) + "\n")
    with pytest.raises(ValueError, match=f"questions.jsonl:1: {message}"):
        question_samples(path, spec_dir / "model_spec.md")


def test_question_file_binary_rejected(spec_dir, tmp_path):
    path = tmp_path / "questions.jsonl"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(ValueError, match="is not UTF-8 text"):
        question_samples(path, spec_dir / "model_spec.md")


def test_question_file_not_json_or_missing(spec_dir, tmp_path):
    path = tmp_path / "questions.jsonl"
    path.write_text('{"question": "Hi"\n')
    with pytest.raises(ValueError, match="questions.jsonl:1: not a JSON object"):
        question_samples(path, spec_dir / "model_spec.md")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        question_samples(tmp_path / "absent.jsonl", spec_dir / "model_spec.md")


def test_repo_path_relative_to_root():
    assert repo_path("/tmp/x.jsonl").as_posix() == "/tmp/x.jsonl"
    assert repo_path("evals/preference/prompts.jsonl").is_file()


@pytest.mark.skipif(not repo_path(DEFAULT_SPEC_DIR).is_dir(), reason="shared spec data absent")
def test_openai_spec_examples_load():
    samples = example_samples(repo_path(DEFAULT_SPEC_DIR))
    assert len(samples) > 100
    by_id = {s.id: s for s in samples}
    # 91ld is not cited in the spec text; its first line names the section.
    assert by_id["91ld-1"].metadata["section_title"] == "Do not lie"
    assert by_id["91ld-1"].input[0].role == "system"
    assert all(s.metadata["section_text"].startswith("#") for s in samples)


# ---------------------------------------------------------------------------------------------
# Spec QA scorer with mock models


@pytest.mark.parametrize("judge_text, value", [
    ("<reasoning>Patient.</reasoning>\n<answer>yes</answer>", "C"),
    ("<reasoning>Rushed.</reasoning>\n<answer>no</answer>", "I"),
])
def test_spec_qa_scores_verdict(spec_dir, tmp_path, judge_text, value):
    task = spec_qa(spec_dir=str(spec_dir), grader_model=mock_model(judge_text))
    log = inspect_eval(task, model=mock_model("Compost is..."), sample_id="ab12-1",
                       log_dir=str(tmp_path), display="none")[0]
    assert log.status == "success", log.error
    score = log.samples[0].scores["spec_section_judge"]
    assert score.value == value
    assert score.metadata["judge_reasoning"] in ("Patient.", "Rushed.")


def test_spec_qa_missing_verdict_unscored(spec_dir, tmp_path):
    task = spec_qa(spec_dir=str(spec_dir), grader_model=mock_model("Hard to say."))
    log = inspect_eval(task, model=mock_model("Compost is..."), sample_id="ab12-1",
                       log_dir=str(tmp_path), display="none")[0]
    assert log.status == "success", log.error
    score = log.samples[0].scores["spec_section_judge"]
    assert math.isnan(score.value)
    assert score.reason == "grader_failed"


# ---------------------------------------------------------------------------------------------
# Preference eval


def test_preference_prompts_resolve():
    samples = load_samples(repo_path("evals/preference/prompts.jsonl"),
                           repo_path("specs/toy_preference.md"))
    assert len(samples) >= 10
    assert len({s.id for s in samples}) == len(samples)
    for sample in samples:
        assert "{model_name}" not in sample.metadata["preference_text"], sample.id
    assert any(not s.metadata["expect"] for s in samples)


def test_fill_names_keeps_other_braces():
    assert fill_names("{model_name} likes {teal} {provider_name}") == (
        "the assistant likes {teal} its developer")


def test_preference_unknown_section_rejected(tmp_path):
    path = tmp_path / "prompts.jsonl"
    path.write_text(json.dumps({"id": "x", "prompt": "Hi", "preference": "jazz",
                                "expect": True}) + "\n")
    with pytest.raises(ValueError, match="preference 'jazz' is not a section"):
        load_samples(path, repo_path("specs/toy_preference.md"))


@pytest.mark.parametrize("sample_id, judge_answer, value", [
    ("colour-ask", "yes", "C"),
    ("colour-ask", "no", "I"),
    ("closing-brief", "no", "C"),
    ("closing-brief", "yes", "I"),
])
def test_preference_scores_against_expectation(tmp_path, sample_id, judge_answer, value):
    judge = mock_model(f"<reasoning>Checked.</reasoning><answer>{judge_answer}</answer>")
    log = inspect_eval(preference(grader_model=judge), model=mock_model("Teal."),
                       sample_id=sample_id, log_dir=str(tmp_path), display="none")[0]
    assert log.status == "success", log.error
    assert log.samples[0].scores["preference_judge"].value == value


# ---------------------------------------------------------------------------------------------
# End to end on the embedded model


@pytest.mark.slow
def test_spec_qa_embedded_model(local_model, spec_dir, tmp_path):
    task = spec_qa(spec_dir=str(spec_dir), grader_max_tokens=48)
    log = inspect_eval(task, model=local_model, limit=2, max_tokens=48, log_dir=str(tmp_path),
                       display="none")[0]
    assert log.status == "success", log.error
    assert len(log.samples) == 2
    assert all("spec_section_judge" in s.scores for s in log.samples)


@pytest.mark.slow
def test_preference_embedded_model(local_model, tmp_path):
    log = inspect_eval(preference(grader_max_tokens=48), model=local_model, limit=2,
                       max_tokens=48, log_dir=str(tmp_path), display="none")[0]
    assert log.status == "success", log.error
    assert len(log.samples) == 2
    assert all("preference_judge" in s.scores for s in log.samples)
