"""Build a temporary course full of red-team submissions, grade it with ONE ``course grade`` run
(under :mod:`.reaper`), and record everything the tests assert on; then undo what attacks did to
shared places (the repository, the virtual environment, /tmp, …).

What is recorded: the grader's exit and output; the CSV and the gradebook's scores; hashes of the
course's inputs, the repository and the instructor's home before and after; files named with the
run's token anywhere an attack may write (canaries); defacement markers in the outputs; every
feedback file; the processes left behind.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import html
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import nbformat
from nbformat import NotebookNode

from ..notebooks import ROOT as REPO
from ..notebooks import SOLUTIONS, grade_id, grade_test_cells, hidden_lines, read
from .model import ALL, Context, Lesson, Submission, notebook_bytes

CELL_TIMEOUT = 10
"""Seconds per cell while grading (``--timeout``): keeps the infinite loops cheap."""
SETTLE = 3.0
"""Seconds to wait after the grader exits before counting the processes left."""
OUTPUTS = ("autograded", "feedback", "grades")
"""Top-level folders of the course directory that grading writes (plus ``gradebook*`` files)."""
TOKEN_FILE = re.compile(r"redteam[-_]([0-9a-f]{10})")
MAX_READ = 20 << 20


@dataclass
class Secrets:
    """Strings that no feedback may contain, each planted where an attacker might look."""

    notes: str
    """In ``solutions/<lesson>/instructor_notes.txt`` (the instructor's source folder)."""
    config: str
    """A comment in the course's ``nbgrader_config.py``."""
    environment: str
    """``INSTRUCTOR_API_TOKEN`` in the grader's environment."""
    home: str
    """``~/instructor_private.txt`` in the grader's HOME."""
    history: str
    """A line of the instructor's IPython history (``~/.ipython/profile_default/history.sqlite``)."""
    private: dict[str, str] = field(default_factory=dict)
    """Per student: a comment in their own notebook (no other student's feedback may show it)."""

    def instructor(self) -> dict[str, str]:
        return {"instructor notes": self.notes, "config": self.config, "environment": self.environment,
                "home file": self.home, "IPython history": self.history}


@dataclass
class Run:
    """One lesson graded with all its submissions, and everything observed."""

    lesson: Lesson
    token: str
    base: Path
    root: Path
    home: Path
    gradebook: Path
    db_url: str
    submissions: list[Submission]
    points: dict[str, float]
    hidden_lines: set[str]
    secrets: Secrets
    submitted_text: dict[str, str]
    report: dict = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""
    csv_rows: dict[str, dict[str, str]] | None = None
    csv_error: str = ""
    gradebook_scores: dict[str, tuple[float, float]] | None = None
    gradebook_error: str = ""
    inputs: tuple[dict[str, str], dict[str, str]] = ({}, {})
    repo: tuple[dict[str, str], dict[str, str]] = ({}, {})
    home_files: tuple[dict[str, str], dict[str, str]] = ({}, {})
    repo_token_hits: list[str] = field(default_factory=list)
    """Changed repository files whose content carries the run's token (certainly an attack's)."""
    canaries: list[str] = field(default_factory=list)
    defaced: list[str] = field(default_factory=list)
    feedback: dict[str, dict[str, str]] = field(default_factory=dict)
    feedback_bytes: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.points.values())

    def by_student(self) -> dict[str, Submission]:
        return {s.student: s for s in self.submissions}

    def expected(self, submission: Submission) -> tuple[float, str]:
        """The score ``submission`` must get, and how it is made up."""
        if tuple(submission.loses) == ALL:
            return 0.0, "0: it earns nothing"
        unknown = set(submission.loses) - set(self.points)
        assert not unknown, f"{submission.student}: no such exercise {unknown}"
        lost = self.lesson.lost(submission.loses)
        score = self.total - sum(self.points[e] for e in lost)
        terms = "".join(f" - {e} ({self.points[e]:g})" for e in lost)
        return score, f"total ({self.total:g}){terms} = {score:g}"

    def leaks(self, student: str) -> list[str]:
        """What the student's feedback shows that it must not: hidden-test code, instructor secrets,
        other students' notes, hidden inputs logged by student code."""
        own = self.submitted_text.get(student, "")
        found = []
        for name, page in self.feedback.get(student, {}).items():
            text = page_text(page)
            found += [f"{name}: hidden test line {line!r}" for line in sorted(self.hidden_lines)
                      if line in text and line not in own]
            if "HIDDEN TESTS" in text and "HIDDEN TESTS" not in own:
                found.append(f"{name}: a hidden-tests marker")
            found += [f"{name}: the {what} secret" for what, secret in self.secrets.instructor().items()
                      if secret in page or secret in text]
            found += [f"{name}: {other}'s private note" for other, note in self.secrets.private.items()
                      if other != student and (note in page or note in text)]
            if f"RTLEAK-{self.token}" in page or f"RTLEAK-{self.token}" in text:
                found.append(f"{name}: hidden inputs logged by the student's code")
        return found

    def limits_missing(self, student: str) -> list[str]:
        """Limits the student's code reports it did not meet (``RTLIMIT`` lines of its own cells)."""
        found = []
        for name, page in self.feedback.get(student, {}).items():
            found += [f"{name}: {line.strip()}" for line in page_text(page).splitlines()
                      if f"RTLIMIT-{self.token}" in line]
        return found

    def dump(self) -> dict:
        """Everything observed, as JSON-ready data (written to ``report.json`` beside the course)."""
        students = {}
        for submission in self.submissions:
            expected, why = self.expected(submission)
            row = (self.csv_rows or {}).get(submission.student, {})
            students[submission.student] = {
                "class": submission.attack_class, "expected": expected, "why": why,
                "csv": row, "gradebook": (self.gradebook_scores or {}).get(submission.student),
                "feedback_files": sorted(self.feedback.get(submission.student, {})),
                "feedback_bytes": self.feedback_bytes.get(submission.student, {}),
                "leaks": self.leaks(submission.student),
                "limits_missing": self.limits_missing(submission.student)}
        changed = {name: sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
                   for name, (before, after) in (("inputs", self.inputs), ("repo", self.repo))}
        return {"lesson": self.lesson.name, "token": self.token, "report": self.report,
                "csv_error": self.csv_error, "gradebook_error": self.gradebook_error,
                "changed": changed, "repo_token_hits": self.repo_token_hits,
                "home": home_changes(*self.home_files), "canaries": self.canaries, "defaced": self.defaced,
                "students": students}

    def summary(self) -> str:
        return (f"course grade exit {self.report.get('returncode')}, {self.report.get('elapsed', 0):.0f} s"
                f"{', TIMED OUT' if self.report.get('timed_out') else ''}\n--- stdout (tail)\n"
                f"{self.stdout[-4000:]}\n--- stderr (tail)\n{self.stderr[-3000:]}")


# --- the course --------------------------------------------------------------------------------


def _course_command() -> list[str]:
    """``course``, or with ``REDTEAM_SCHEDULER=dask`` the same command on a Dask cluster of its own."""
    if os.environ.get("REDTEAM_SCHEDULER") == "dask":
        return [sys.executable, str(Path(__file__).with_name("on_dask.py"))]
    executable = Path(sys.executable).parent / "course"
    return [str(executable)] if executable.exists() else [sys.executable, "-m", "course_lib.grading.cli"]


def _course_id() -> str:
    try:
        from course_lib.grading.config import COURSE_ID
        return COURSE_ID
    except ImportError:  # pragma: no cover - the grader is being rewritten
        return "mechanics-of-learning"


def _write_history(path: Path, secret: str) -> None:
    """An IPython history database with one past session of the instructor's."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    connection.executescript(
        "CREATE TABLE sessions (session integer primary key autoincrement, start timestamp, end timestamp, "
        "num_cmds integer, remark text);"
        "CREATE TABLE history (session integer, line integer, source text, source_raw text, "
        "PRIMARY KEY (session, line));"
        "CREATE TABLE output_history (session integer, line integer, output text, "
        "PRIMARY KEY (session, line));")
    connection.execute("INSERT INTO sessions VALUES (1, '2024-01-01 09:00:00', '2024-01-01 10:00:00', 1, '')")
    line = f"api_token = '{secret}'  # the instructor typed this once"
    connection.execute("INSERT INTO history VALUES (1, 1, ?, ?)", (line, line))
    connection.commit()
    connection.close()


def _make_home(home: Path, keys: Secrets) -> None:
    home.mkdir(parents=True)
    (home / "instructor_private.txt").write_text(f"my grading notes: {keys.home}\n")
    _write_history(home / ".ipython" / "profile_default" / "history.sqlite", keys.history)
    cache = Path(os.path.expanduser("~")) / ".cache" / "matplotlib"
    if cache.is_dir():  # saves every kernel rebuilding matplotlib's font cache
        shutil.copytree(cache, home / ".cache" / "matplotlib")


def _private_note(notebook: NotebookNode, note: str) -> None:
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = cell.source.rstrip("\n") + f"\n# {note}\n"
            return


def _pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return "unknown"


def prepare(module: ModuleType, base: Path, submissions: list[Submission]) -> Run:
    """The course directory, the instructor's home, and every submission, ready to be graded."""
    lesson: Lesson = module.LESSON
    token = secrets.token_hex(5)
    root, home = base / "course", base / "home"
    keys = Secrets(**{name: f"{name}-secret-{token}" for name in
                      ("notes", "config", "environment", "home", "history")})
    shutil.copytree(SOLUTIONS / lesson.name, root / "solutions" / lesson.name)
    (root / "solutions" / lesson.name / "instructor_notes.txt").write_text(
        f"Instructor only. Grading notes: {keys.notes}\n")
    (root / "nbgrader_config.py").write_text(
        (REPO / "nbgrader_config.py").read_text() + f"\n# instructor's secret: {keys.config}\n")
    _make_home(home, keys)
    gradebook = base / "outside-gradebook.db" if lesson.gradebook_outside else root / "gradebook.db"
    db_url = f"sqlite:///{gradebook}"
    from course_lib.grading.cli import main as course
    assert course(["--root", str(root), "--db-url", db_url, "release", lesson.name]) == 0
    release = read(root / "notebooks" / lesson.name / lesson.notebook)
    source = read(SOLUTIONS / lesson.name / lesson.notebook)
    points = {grade_id(c).removeprefix("test_"): float(c.metadata.nbgrader["points"])
              for c in grade_test_cells(source)}
    ordered = sorted(submissions, key=lambda s: s.student)
    honest = [s.student for s in ordered if s.honest and not s.loses]
    run = Run(lesson, token, base, root, home, gradebook, db_url, ordered, points, hidden_lines(source),
              keys, {})
    context = Context(lesson, token, root, REPO, home, gradebook, _pid_namespace(), release, source,
                      victim=honest[-1], classmate=honest[0])
    for submission in ordered:
        context.student = submission.student
        built = submission.build(context)
        folder = root / "submitted" / submission.student / lesson.name
        folder.mkdir(parents=True)
        keys.private[submission.student] = f"private-note-{token}-{submission.student}"
        if built.notebook is not None:
            _private_note(built.notebook, keys.private[submission.student])
            (folder / lesson.notebook).write_bytes(notebook_bytes(built.notebook))
            run.submitted_text[submission.student] = nbformat.writes(built.notebook)
        if built.raw is not None:
            (folder / lesson.notebook).write_bytes(built.raw)
        for relative, content in built.files.items():
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode())
        if built.write is not None:
            built.write(folder)
    return run


# --- snapshots ----------------------------------------------------------------------------------


def _digest(path: Path) -> str:
    if path.is_symlink():
        return "symlink -> " + os.readlink(path)
    stat = path.stat()
    if stat.st_size > 64 << 20:
        return f"{stat.st_size} bytes, mtime {stat.st_mtime_ns}"
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(top: Path, skip=lambda relative: False) -> dict[str, str]:
    """``relative path -> digest`` of every file (and symlink) under ``top``."""
    found = {}
    for folder, dirs, files in os.walk(top):
        here = Path(folder)
        for name in list(dirs):
            relative = (here / name).relative_to(top).as_posix()
            if skip(relative):
                dirs.remove(name)
            elif (here / name).is_symlink():
                found[relative] = _digest(here / name)
        for name in files:
            relative = (here / name).relative_to(top).as_posix()
            if not skip(relative):
                try:
                    found[relative] = _digest(here / name)
                except OSError as error:
                    found[relative] = f"unreadable: {error}"
    return found


def course_inputs(root: Path) -> dict[str, str]:
    """The course directory without what grading is expected to write."""
    return tree(root, lambda rel: rel.split("/")[0] in OUTPUTS
                or ("/" not in rel and rel.startswith("gradebook")))


def _site_packages() -> Path:
    return Path(sysconfig.get_paths()["purelib"])


def repository() -> dict[str, str]:
    """The repository's tracked files, everything under course_lib/, and the virtual environment's
    entry points (site-packages and bin listings, the .pth files' contents)."""
    listing = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z"], capture_output=True)
    state = {}
    if listing.returncode == 0:
        for name in listing.stdout.decode().split("\0"):
            if name and (REPO / name).is_file():
                state[name] = _digest(REPO / name)
    else:  # not a git checkout (an exported tree): every file but caches and grading state
        skip = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", *OUTPUTS, "submitted"}
        state.update(tree(REPO, lambda rel: bool(skip & set(rel.split("/")))))
    for relative, digest in tree(REPO / "course_lib", lambda rel: "__pycache__" in rel).items():
        state[f"course_lib/{relative}"] = digest
    site, bin_dir = _site_packages(), Path(sys.executable).parent
    for entry in site.iterdir():
        state[f"<site-packages>/{entry.name}"] = _digest(entry) if entry.suffix == ".pth" else "present"
    for entry in bin_dir.iterdir():
        state[f"<venv bin>/{entry.name}"] = "present"
    return state


HOME_TAMPER = re.compile(r"(^|/)(startup/.*\.i?py$|kernels/|ipython_\w*config\.py"
                         r"|jupyter_\w*config\.(py|json)|\.pth$|sitecustomize|usercustomize)")
"""New files in the instructor's home that would run code in later kernels or graders."""


def home_changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    changed = [f"changed or deleted: {path}" for path, digest in before.items() if after.get(path) != digest]
    added = [f"added: {path}" for path in after if path not in before and HOME_TAMPER.search(path)]
    return changed + added


# --- after the run ------------------------------------------------------------------------------


def _read_csv(run: Run) -> None:
    path = run.root / "grades" / f"{run.lesson.name}.csv"
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        run.csv_rows = {row["student_id"]: row for row in rows}
        if len(run.csv_rows) != len(rows):
            run.csv_error = "a student appears more than once in the CSV"
    except Exception as error:  # noqa: BLE001 - recorded, asserted by the tests
        run.csv_error = f"{type(error).__name__}: {error}"


def _read_gradebook(run: Run) -> None:
    from nbgrader.api import Gradebook, MissingEntry

    bin_dir = str(Path(sys.executable).parent)  # nbgrader runs `alembic` by name
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bin_dir:
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    scores = {}
    try:
        with Gradebook(run.db_url, _course_id()) as gradebook:
            for submission in run.submissions:
                try:
                    found = gradebook.find_submission(run.lesson.name, submission.student)
                    scores[submission.student] = (float(found.score), float(found.max_score))
                except MissingEntry:
                    pass
        run.gradebook_scores = scores
    except Exception as error:  # noqa: BLE001 - recorded, asserted by the tests
        run.gradebook_error = f"{type(error).__name__}: {error}"


def _token_hits(run: Run) -> list[str]:
    before, after = run.repo
    hits = []
    for name in sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p)):
        in_site = name.startswith("<site-packages>/")
        path = _site_packages() / name.split("/", 1)[1] if in_site else REPO / name
        try:
            if run.token in path.name or (path.is_file() and run.token.encode() in path.read_bytes()):
                hits.append(name)
        except OSError:
            pass
    return hits


def _canary_places(run: Run) -> tuple[list[Path], list[Path]]:
    """(folders searched recursively, folders searched at their top level) for files named with the token."""
    import pwd

    real_home = Path(pwd.getpwuid(os.getuid()).pw_dir)
    deep = [run.base, REPO / "course_lib"]
    shallow = [Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"), real_home, REPO, _site_packages(),
               Path(sys.executable).parent]
    return deep, shallow


def token_files(run: Run) -> list[Path]:
    deep, shallow = _canary_places(run)
    found = []
    for top in deep:
        for folder, dirs, files in os.walk(top):
            found += [Path(folder) / n for n in dirs + files if run.token in n]
    for top in shallow:
        with contextlib.suppress(OSError):
            found += [entry for entry in top.iterdir() if run.token in entry.name]
    return sorted(set(found))


def _defaced(run: Run) -> list[str]:
    marker = f"RTDEFACE-{run.token}".encode()
    places = [run.root / name for name in OUTPUTS] + [run.gradebook]
    found = []
    for place in places:
        if place.is_file():
            paths = [place]
        else:
            paths = [p for p in place.rglob("*") if p.is_file()] if place.is_dir() else []
        for path in paths:
            try:
                if path.stat().st_size < MAX_READ and marker in path.read_bytes():
                    found.append(str(path.relative_to(run.base)))
            except OSError:
                pass
    return found


def _read_feedback(run: Run) -> None:
    for submission in run.submissions:
        folder = run.root / "feedback" / submission.student
        pages, sizes = {}, {}
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file() or path.is_symlink():
                    relative = path.relative_to(folder).as_posix()
                    sizes[relative] = path.lstat().st_size
                    try:
                        pages[relative] = path.read_bytes()[:MAX_READ].decode("utf-8", errors="replace")
                    except OSError as error:
                        pages[relative] = f"unreadable: {error}"
        run.feedback[submission.student] = pages
        run.feedback_bytes[submission.student] = sizes


BLOCK = r"\n?# >>> redteam {token}\n.*?# <<< redteam {token}\n"


def clean_up(run: Run) -> list[str]:
    """Undo what this run's attacks did to shared places; returns what was undone."""
    undone = []
    block = re.compile(BLOCK.format(token=re.escape(run.token)), re.S)
    candidates = [REPO / "nbgrader_config.py", *sorted((REPO / "course_lib").rglob("*.py"))]
    for path in candidates:
        try:
            text = path.read_text()
        except OSError:
            continue
        if f"# >>> redteam {run.token}" in text:
            path.write_text(block.sub("", text))
            undone.append(f"removed an injected block from {path}")
    for path in token_files(run):
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            undone.append(f"deleted {path}")
        except OSError:
            pass
    return undone


# --- the run ------------------------------------------------------------------------------------


def grade(run: Run, timeout: float) -> None:
    """ONE ``course grade`` of the lesson, under the reaper; then record everything."""
    run.inputs = (course_inputs(run.root), {})
    run.repo = (repository(), {})
    run.home_files = (tree(run.home), {})
    argv = [*_course_command(), "--root", str(run.root)]
    if run.lesson.gradebook_outside:
        argv += ["--db-url", run.db_url]
    argv += ["grade", run.lesson.name, "--timeout", str(CELL_TIMEOUT)]
    env = dict(os.environ, HOME=str(run.home), REDTEAM_TOKEN=run.token,
               INSTRUCTOR_API_TOKEN=run.secrets.environment)
    stdout, stderr = run.base / "grade.stdout", run.base / "grade.stderr"
    spec = {"argv": argv, "env": env, "cwd": str(run.base), "stdout": str(stdout), "stderr": str(stderr),
            "timeout": timeout, "settle": SETTLE}
    reaper = Path(__file__).with_name("reaper.py")
    try:
        done = subprocess.run([sys.executable, str(reaper)], input=json.dumps(spec), capture_output=True,
                              text=True, timeout=timeout + 120, start_new_session=True)
        run.report = json.loads(done.stdout) if done.stdout.strip() else {
            "returncode": None, "error": f"reaper failed: {done.stderr[-2000:]}"}
        run.stdout = stdout.read_text(errors="replace") if stdout.exists() else ""
        run.stderr = stderr.read_text(errors="replace") if stderr.exists() else ""
        _read_csv(run)
        _read_gradebook(run)
        run.inputs = (run.inputs[0], course_inputs(run.root))
        run.repo = (run.repo[0], repository())
        run.repo_token_hits = _token_hits(run)
        run.home_files = (run.home_files[0], tree(run.home))
        run.canaries = [str(p) for p in token_files(run)]
        run.defaced = _defaced(run)
        _read_feedback(run)
        report = json.dumps(run.dump(), indent=1, default=str)
        (run.base / "report.json").write_text(report)
        if os.environ.get("REDTEAM_REPORT_DIR"):  # pytest keeps only its last three temporary folders
            keep = Path(os.environ["REDTEAM_REPORT_DIR"])
            keep.mkdir(parents=True, exist_ok=True)
            (keep / f"{run.lesson.name[:2]}-{run.token}.json").write_text(report)
    finally:
        clean_up(run)


def page_text(page: str) -> str:
    """A feedback page as a reader sees it: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))
