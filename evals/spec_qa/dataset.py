"""Questions tied to spec sections, for the spec open-QA eval.

Two sources:

- A spec folder laid out like the OpenAI Model Spec release: `model_spec.md`, plus
  `examples/<id>.md` files whose prompts illustrate the spec. Each example file belongs to the
  section that cites its footnote id (`[^092i]` in `model_spec.md` for `examples/092i.md`). Its
  first line names that section too (`Examples for [^092i] in Love humanity:`), which serves
  when the spec no longer cites the id. The files are read at run time and never copied into
  this project.
- A JSONL file of `{"question": ..., "section": ...}` rows, where `section` is a heading title or
  `{#anchor}` id of the spec file, or the section's own text. Rows without `section`, such as the
  AFT pipeline's `questions_deduped.jsonl`, are tied to the section whose own text is most similar
  to the question (TF-IDF, the ranking the pipeline uses to cut a long spec).
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from inspect_ai.dataset import Sample
from inspect_ai.model import ChatMessage, ChatMessageAssistant, ChatMessageSystem, ChatMessageUser

log = logging.getLogger(__name__)

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
_ANCHOR = re.compile(r"\{#([\w-]+)[^}]*\}\s*$")
_FENCE = re.compile(r"^(```|~~~)")
_HEADING_ANCHOR = re.compile(r"^(#{1,6}\s.*?)\s*\{#[^}]*\}\s*$", re.MULTILINE)
_EXAMPLES_HEADER = re.compile(r"^Examples for \[\^(\w+)\] in (.+?):?\s*$")
_EXAMPLE_TITLE = re.compile(r"^\*\*Example\*\*:\s*(.*)$", re.MULTILINE)
_TURN = re.compile(r"<(developer|user|assistant)>\n?(.*?)\n?</\1>", re.DOTALL)

# The longest leaf section of the 2025-12-18 OpenAI Model Spec with examples is about 10,000
# characters; 12,000 keeps every one whole and still fits the embedded model's 8k-token window.
DEFAULT_MAX_SECTION_CHARS = 12_000


@dataclass
class SpecSection:
    """One heading of a markdown spec, with the line range it covers."""

    title: str  # heading text without the `{#anchor ...}` suffix
    anchor: str  # the `{#anchor}` id, or a slug of the title when there is none
    level: int  # 1 for `#`, 2 for `##`, ...
    start: int  # index of the heading line
    end: int  # index after the last line before the next heading of any level
    end_with_children: int  # like `end`, but the next heading must be at this level or above


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")


def parse_sections(lines: list[str]) -> list[SpecSection]:
    """Return the headings of a markdown document, ignoring `#` lines inside fenced code."""
    heads: list[tuple[int, int, str]] = []
    in_fence = False
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        match = None if in_fence else _HEADING.match(line)
        if match:
            heads.append((index, len(match.group(1)), match.group(2)))

    sections = []
    for position, (start, level, text) in enumerate(heads):
        anchor_match = _ANCHOR.search(text)
        title = _ANCHOR.sub("", text).strip()
        later = heads[position + 1:]
        end = later[0][0] if later else len(lines)
        end_with_children = next((i for i, lvl, _ in later if lvl <= level), len(lines))
        sections.append(SpecSection(
            title=title,
            anchor=anchor_match.group(1) if anchor_match else _slug(title),
            level=level, start=start, end=end, end_with_children=end_with_children))
    return sections


class Spec:
    """A markdown spec split into sections, with lookups by footnote, title and anchor."""

    def __init__(self, path: Path):
        self.path = path
        self.lines = path.read_text(encoding="utf-8").splitlines()
        self.sections = parse_sections(self.lines)

    def text(self, section: SpecSection, with_children: bool, max_chars: int | None) -> str:
        """Return a section's markdown, cut at `max_chars` with a visible marker."""
        end = section.end_with_children if with_children else section.end
        text = "\n".join(self.lines[section.start:end]).strip()
        text = _HEADING_ANCHOR.sub(r"\1", text)
        if max_chars and len(text) > max_chars:
            text = text[:max_chars].rstrip() + "\n\n[... section truncated ...]"
        return text

    def section_citing(self, footnote_id: str) -> SpecSection | None:
        """Return the innermost section whose text cites `[^footnote_id]`, if any."""
        marker = f"[^{footnote_id}]"
        for index, line in enumerate(self.lines):
            if marker in line:
                enclosing = [s for s in self.sections if s.start <= index < s.end]
                return enclosing[-1] if enclosing else None
        return None

    def find(self, name: str) -> SpecSection | None:
        """Return the section whose anchor or title is `name`, or whose title starts with it."""
        wanted = name.strip().lower()
        for section in self.sections:
            if wanted in (section.anchor.lower(), section.title.lower()):
                return section
        for section in self.sections:
            if section.title.lower().startswith(wanted):
                return section
        return None


@dataclass
class Example:
    """One example prompt from an `examples/<id>.md` file."""

    footnote_id: str
    section_title: str  # as named in the file's first line
    title: str
    turns: list[tuple[str, str]]  # (role, text) with role developer, user or assistant


def parse_examples(path: Path) -> list[Example]:
    """Read the examples of one file, dropping trailing assistant turns (the sample answers)."""
    text = path.read_text(encoding="utf-8")
    header = _EXAMPLES_HEADER.match(text.splitlines()[0]) if text else None
    if header is None:
        raise ValueError(f"Invalid examples file {path}: its first line should read "
                         "'Examples for [^<id>] in <section title>:'.")
    footnote_id, section_title = header.group(1), header.group(2)

    titles = list(_EXAMPLE_TITLE.finditer(text))
    examples = []
    for position, match in enumerate(titles):
        end = titles[position + 1].start() if position + 1 < len(titles) else len(text)
        turns = [(role, body.strip()) for role, body in _TURN.findall(text[match.end():end])]
        while turns and turns[-1][0] == "assistant":
            turns.pop()
        if turns and not any(role == "user" for role, _ in turns):
            # Developer-only examples are requests from the developer with no user present.
            # Chat APIs (Anthropic's among them) need a user turn, so the request becomes one.
            turns = [("user" if role == "developer" else role, body) for role, body in turns]
        if not turns:
            log.warning("Skipping example %r in %s: it has no turns", match.group(1), path)
            continue
        examples.append(Example(footnote_id, section_title, match.group(1).strip(), turns))
    return examples


def to_messages(turns: list[tuple[str, str]]) -> list[ChatMessage]:
    """Convert example turns to chat messages, with developer turns as system messages."""
    kinds = {"developer": ChatMessageSystem, "user": ChatMessageUser,
             "assistant": ChatMessageAssistant}
    return [kinds[role](content=text) for role, text in turns]


def example_samples(
    spec_dir: Path, max_section_chars: int | None = DEFAULT_MAX_SECTION_CHARS
) -> list[Sample]:
    """Build one sample per example prompt in `spec_dir/examples`, tied to its spec section."""
    spec_file = spec_dir / "model_spec.md"
    examples_dir = spec_dir / "examples"
    if not spec_file.is_file() or not examples_dir.is_dir():
        raise FileNotFoundError(
            f"No spec found at {spec_dir}: expected model_spec.md and an examples/ folder there. "
            "Pass spec_dir=<folder>, or questions=<file.jsonl> with spec_file=<file.md>.")
    spec = Spec(spec_file)

    samples = []
    for path in sorted(examples_dir.glob("*.md")):
        examples = parse_examples(path)
        if not examples:
            continue
        footnote_id = examples[0].footnote_id
        section = spec.section_citing(footnote_id) or spec.find(examples[0].section_title)
        if section is None:
            log.warning("Skipping %s: section %r is not in %s", path.name,
                        examples[0].section_title, spec_file)
            continue
        section_text = spec.text(section, with_children=False, max_chars=max_section_chars)
        for number, example in enumerate(examples, start=1):
            samples.append(Sample(
                id=f"{footnote_id}-{number}",
                input=to_messages(example.turns),
                metadata={
                    "section_title": section.title,
                    "section_anchor": section.anchor,
                    "section_text": section_text,
                    "example_title": example.title,
                    "source": f"examples/{path.name}",
                },
            ))
    return samples


class SectionMatcher:
    """Find the section whose own text is most similar to a question (TF-IDF, indexed once)."""

    def __init__(self, spec: Spec):
        from msm_nb.aft_questions import SectionRanker

        candidates = [(s, spec.text(s, with_children=False, max_chars=None)) for s in spec.sections]
        self.sections = [s for s, t in candidates if len(t.splitlines()) > 1]  # more than a heading
        self.ranker = SectionRanker([t for s, t in candidates if len(t.splitlines()) > 1])

    def __call__(self, question: str) -> SpecSection | None:
        """Return the best section for `question`, or None if the spec has no section with text."""
        if not self.sections:
            return None
        return self.sections[self.ranker.rank(question)[0]]


def closest_section(spec: Spec, question: str) -> SpecSection | None:
    """Return the section whose own text is most similar to `question` (TF-IDF), or None."""
    return SectionMatcher(spec)(question)


def _unique_id(requested: str, used: set[str]) -> str:
    """Return `requested`, or `requested-2`, `requested-3`, ... if it is taken; record the result."""
    candidate, n = requested, 1
    while candidate in used:
        n += 1
        candidate = f"{requested}-{n}"
    used.add(candidate)
    return candidate


def question_samples(
    questions_file: Path, spec_file: Path,
    max_section_chars: int | None = DEFAULT_MAX_SECTION_CHARS,
) -> list[Sample]:
    """Build one sample per `{question, section}` row of a JSONL file.

    A row without `section` is tied to its `closest_section`, and its metadata records that
    with `section_match: "tfidf"`.
    """
    spec = Spec(spec_file)
    samples = []
    try:
        lines = questions_file.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise FileNotFoundError(f"Questions file {questions_file} does not exist.") from None
    except UnicodeDecodeError as e:
        raise ValueError(f"Questions file {questions_file} is not UTF-8 text ({e.reason} at byte "
                         f"{e.start}); it should hold one JSON object per line.") from None
    seen: set[str] = set()
    used_ids: set[str] = set()
    matcher: SectionMatcher | None = None
    for line_number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"{questions_file}:{line_number}: not a JSON object ({e.msg}).") from None
        if not isinstance(row, dict) or not isinstance(row.get("question"), str) or not row["question"].strip():
            raise ValueError(f"{questions_file}:{line_number}: missing question. Each row needs a "
                             "question, and may name a section.")
        section_value = row.get("section")
        if section_value is not None and not isinstance(section_value, str):
            raise ValueError(f"{questions_file}:{line_number}: section must be text (a heading "
                             f"title, an anchor or the section itself), got {section_value!r}.")
        row_id = row.get("id")
        if row_id is not None and (isinstance(row_id, bool) or not isinstance(row_id, (str, int))):
            raise ValueError(f"{questions_file}:{line_number}: id must be text or a whole number, "
                             f"got {row_id!r}.")
        key = json.dumps([row["question"], section_value])
        if key in seen:
            continue  # a pipeline file may hold one question under several runs
        seen.add(key)
        match = "given"
        if not row.get("section"):
            matcher = matcher or SectionMatcher(spec)
            section = matcher(row["question"])
            if section is None:
                raise ValueError(f"{spec_file} has no section with text to tie questions to; "
                                 "give each row a section, or use a spec with headings.")
            match = "tfidf"
        else:
            section = spec.find(row["section"])
        if section is not None:
            title = section.title
            text = spec.text(section, with_children=True, max_chars=max_section_chars)
        elif "\n" in row["section"] or len(row["section"]) > 200:
            # Long or multi-line values are taken as the section's own text.
            title = row["section"].strip().splitlines()[0][:80]
            text = row["section"].strip()[:max_section_chars or None]
        else:
            raise ValueError(f"{questions_file}:{line_number}: section {row['section']!r} is not a "
                             f"heading title or anchor in {spec_file}.")

        # AFT question ids repeat across runs that share an output folder, so ids are made unique.
        samples.append(Sample(
            id=_unique_id(str(row_id) if row_id not in (None, "") else f"q{line_number}", used_ids),
            input=row["question"],
            metadata={"section_title": title, "section_text": text, "section_match": match,
                      "source": questions_file.name},
        ))
    return samples
