# pyright: strict
"""Plain-text report: per question, each check that holds or fails, with the TRL file:line that decided it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.verify.checks import AnyCheck, Outcome, describe


@dataclass(frozen=True)
class QuestionResult:
    path: Path
    line: int | None
    question_id: str
    results: tuple[tuple[AnyCheck, Outcome], ...]

    @property
    def failed(self) -> list[tuple[AnyCheck, Outcome]]:
        return [(c, o) for c, o in self.results if not o.holds]


def write_report(out: TextIO, header: str, questions: Sequence[QuestionResult], *, failures_only: bool = False) -> None:
    out.write(header + "\n")
    for question in questions:
        where = f"{question.path}:{question.line}" if question.line else str(question.path)
        if not question.results:
            if not failures_only:
                out.write(f"{where} {question.question_id}: no checks\n")
            continue
        failed = question.failed
        if failures_only and not failed:
            continue
        held = len(question.results) - len(failed)
        status = f"FAIL ({len(failed)} of {len(question.results)})" if failed else f"ok ({held})"
        out.write(f"{where} {question.question_id}: {status}\n")
        for check, outcome in question.results:
            if failures_only and outcome.holds:
                continue
            mark = "ok  " if outcome.holds else "FAIL"
            place = f" [{outcome.location}]" if outcome.location else ""
            out.write(f"  {mark} {describe(check)}\n       {outcome.message}{place}\n")
    out.write(summary(questions) + "\n")


def summary(questions: Sequence[QuestionResult]) -> str:
    total = len(questions)
    covered = sum(1 for q in questions if q.results)
    checks = sum(len(q.results) for q in questions)
    failed = sum(len(q.failed) for q in questions)
    share = f" ({covered / total:.0%})" if total else ""
    bad = sum(1 for q in questions if q.failed)
    return (
        f"{total} question(s), {covered} with checks{share}; {checks} check(s): "
        f"{checks - failed} hold, {failed} fail ({bad} question(s))"
    )
