"""Autograde and write feedback for one student, in a process of its own.

``course grade`` starts this module once per student (``python -m course_lib.grading.worker``),
so that a submission that hangs nbgrader, exhausts memory or crashes the interpreter costs only
that student's result. It prints one JSON object: ``{"success": bool, "error": str, "log": str}``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .nbgrader_api import course_api


def grade_one(root: Path, assignment: str, student: str, timeout: int, db_url: str | None) -> dict:
    api = course_api(root, timeout=timeout, db_url=db_url)
    result = api.autograde(assignment, student, force=True, create=True)
    if result["success"]:
        feedback = api.generate_feedback(assignment, student, force=True)
        if not feedback["success"]:
            return {**feedback, "error": "feedback failed: " + str(feedback.get("error", ""))}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("assignment")
    parser.add_argument("student")
    parser.add_argument("--timeout", type=int, required=True)
    parser.add_argument("--db-url")
    args = parser.parse_args()
    result = grade_one(args.root, args.assignment, args.student, args.timeout, args.db_url)
    print(json.dumps({key: result.get(key, "") for key in ("success", "error", "log")}))


if __name__ == "__main__":
    main()
