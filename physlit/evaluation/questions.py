"""Reading question files in the format of ../shared/eval/dev-questions.jsonl."""

import json
from dataclasses import dataclass, field
from pathlib import Path


class QuestionFileError(ValueError):
    pass


@dataclass
class Question:
    arxiv_id: str | None  # the paper that answers it; None for questions the corpus cannot answer
    question: str
    answer: str = ""
    answer_aliases: list[str] = field(default_factory=list)
    tldr: str = ""
    kind: str = ""


def questions_read(path: Path) -> list[Question]:
    """One JSON object a line with at least "question"; "id" names the gold paper."""
    questions = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                questions.append(
                    Question(
                        arxiv_id=obj.get("id") or None,
                        question=obj["question"],
                        answer=obj.get("answer") or "",
                        answer_aliases=list(obj.get("answer_aliases") or []),
                        tldr=obj.get("tldr") or "",
                        kind=obj.get("kind") or "",
                    )
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise QuestionFileError(f"{path}:{number}: not a question object ({exc})") from exc
    if not questions:
        raise QuestionFileError(f"{path}: no questions")
    return questions
