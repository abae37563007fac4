"""``course collect`` and ``course release-to-exchange``: getting submissions into
``submitted/<student>/<lesson>/``, the two ways a class hands them in.

- **From an LMS download** (``--zip FILE``): nbgrader's ``ZipCollectApp`` — the download is put in
  ``downloaded/<lesson>/archive/``, extracted to ``downloaded/<lesson>/extracted/`` and each file
  name parsed by :class:`LessonFileCollector` (nbgrader's ``FileNameCollectorPlugin``, applied to
  the file's own name, with the student id checked and, for a one-notebook lesson, any notebook
  name accepted as the lesson's notebook: LMSs prefix or suffix names).
- **From nbgrader's exchange** (``--exchange``): nbgrader's ``collect`` (the latest submission of
  each student in ``<Exchange.root>/<course id>/inbound/``); students get the lesson with
  ``nbgrader fetch_assignment`` after ``course release-to-exchange`` and hand it in with
  ``nbgrader submit``.

Both collect into a temporary folder first; :func:`place` then moves each student's regular files
into ``submitted/``: the student id must be a plain name (it becomes a folder), and an existing
submission is replaced only by a newer one (``timestamp.txt``) or with ``force``.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import os
import re
import shutil
import tempfile
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.apps import NbGraderAPI, ZipCollectApp
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default import ExchangeCollect
from nbgrader.plugins import FileNameCollectorPlugin
from nbgrader.utils import parse_utc
from traitlets import List, Unicode

from .config import SOURCE_DIRECTORY
from .grade import Course, CourseError
from .nbgrader_api import load_config

DEFAULT_STUDENT_PATTERN = r"(?P<student_id>[^_]+)_(?P<file_id>.+)"
"""``<student_id>_<anything>.ipynb``, as LMSs name downloaded submissions (e.g. Canvas:
``smithjane_12345_67890_<the student's file name>``)."""
STUDENT_ID = re.compile(r"\w[\w.@-]{0,99}")
"""What a student id may be (it names a folder): letters, digits, ``_ . @ -``; no leading dot."""
MAX_ARCHIVE_BYTES = 4 * 2**30
"""A download that would unpack to more than this is refused (a class's notebooks are far smaller)."""
DOWNLOADED_DIRECTORY = "downloaded"


def valid_student_id(student: str | None) -> bool:
    return bool(student) and STUDENT_ID.fullmatch(student) is not None


@dataclass(frozen=True)
class Placed:
    """What happened to one student's collected submission."""

    student_id: str
    action: str
    """``new``, ``updated``, ``unchanged``, or ``kept`` (the one in ``submitted/`` was left as it was)."""
    detail: str = ""


@dataclass
class Collection:
    """The outcome of one ``course collect``."""

    placed: list[Placed] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """Files (or exchange entries) not collected, and why."""
    warnings: list[str] = field(default_factory=list)
    """What nbgrader warned about (e.g. a submission not owned by the student it names)."""


# --- the LMS download -----------------------------------------------------------------------------


class LessonFileCollector(FileNameCollectorPlugin):
    """nbgrader's file-name collector for the course: ``named_regexp`` is matched at the start of the
    file's *name* (not its folder), must yield a usable ``student_id``, and ``file_id`` becomes the
    lesson's notebook name when that is unambiguous. Skipped files are kept in :attr:`skipped`."""

    named_regexp = Unicode(DEFAULT_STUDENT_PATTERN, help=(
        "Regular expression matched at the start of each downloaded file's name; its group "
        "(?P<student_id>...) names the student, an optional (?P<timestamp>...) the submission time."
    )).tag(config=True)
    notebooks = List(Unicode(), help="The lesson's notebook names.").tag(config=True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.skipped: list[tuple[str, str]] = []
        self.files: dict[str, list[str]] = defaultdict(list)

    def collect(self, submitted_file: str) -> dict | None:
        name = os.path.basename(submitted_file)
        if name.startswith("._") or "__MACOSX" in Path(submitted_file).parts:
            return None  # macOS's resource files in zips it made: clutter, not submissions
        if os.path.splitext(name)[1] not in self.valid_ext:
            self.skipped.append((name, "not a notebook"))
            return None
        match = re.match(self.named_regexp, name)
        info = match.groupdict() if match else {}
        if not info.get("student_id"):
            self.skipped.append((name, "its name does not match the student pattern"))
            return None
        if not valid_student_id(info["student_id"]):
            self.skipped.append((name, f"{info['student_id']!r} is not a usable student id "
                                       "(letters, digits, _ . @ - only)"))
            return None
        info["file_id"] = self.notebook_name(info.get("file_id") or name)
        self.files[info["student_id"]].append(name)
        return {key: value for key, value in info.items() if value is not None}

    def notebook_name(self, file_id: str) -> str:
        """The lesson notebook a downloaded file is: the only one, else the one its name ends with."""
        if len(self.notebooks) == 1:
            return self.notebooks[0]
        endings = [n for n in self.notebooks if file_id.endswith(n)]
        return max(endings, key=len) if endings else file_id


def _check_archive(path: Path) -> None:
    if not path.is_file():
        raise CourseError(f"no such file: {path}")
    if not zipfile.is_zipfile(path):
        raise CourseError(f"{path} is not a zip archive")
    with zipfile.ZipFile(path) as archive:
        size = sum(info.file_size for info in archive.infolist())
    if size > MAX_ARCHIVE_BYTES:
        raise CourseError(f"{path} would unpack to {size / 2**30:.1f} GiB; refusing to extract it")


def _refresh_archive(folder: Path, archives: list[Path]) -> None:
    """``folder`` (nbgrader's ``archive`` step) holds exactly ``archives`` afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    keep = {a.name for a in archives if a.resolve().parent == folder.resolve()}
    for entry in folder.iterdir():
        if entry.name in keep:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    for archive in archives:
        if archive.name not in keep:
            shutil.copyfile(archive, folder / archive.name)


class _Records(logging.Handler):
    """Keeps the messages nbgrader logs at WARNING or above."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _zip_collect_app(course: Course, lesson: str, pattern: str, stage: Path,
                     notebooks: list[str]) -> tuple[ZipCollectApp, _Records]:
    """nbgrader's ZipCollectApp for ``lesson``, collecting into ``stage`` instead of ``submitted/``."""
    config = load_config(course.root, db_url=course.db_url)
    config.ZipCollectApp.collector_plugin = LessonFileCollector
    config.LessonFileCollector.named_regexp = pattern
    config.LessonFileCollector.notebooks = notebooks
    config.ZipCollectApp.downloaded_directory = DOWNLOADED_DIRECTORY
    app = ZipCollectApp(config=config)
    app.coursedir = CourseDirectory(config=config)
    app.coursedir.assignment_id = lesson
    app.coursedir.submitted_directory = str(stage)
    records = _Records()
    app.log = logging.getLogger(f"course.collect.{id(app)}")
    app.log.propagate = False
    app.log.setLevel(logging.WARNING)
    app.log.addHandler(records)
    return app, records


def _check_pattern(pattern: str) -> None:
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise CourseError(f"--student-pattern is not a regular expression: {exc}") from None
    if "student_id" not in compiled.groupindex:
        raise CourseError("--student-pattern needs a group (?P<student_id>...)")


def collect_zip(course: Course, lesson: str, archives: list[Path], pattern: str = DEFAULT_STUDENT_PATTERN,
                force: bool = False) -> Collection:
    """Collect an LMS download (zip files) of ``lesson`` into ``submitted/`` with nbgrader's ZipCollect."""
    notebooks = lesson_notebooks(course, lesson)
    _check_pattern(pattern)
    for archive in archives:
        _check_archive(archive)
    base = course.root / DOWNLOADED_DIRECTORY / lesson
    _refresh_archive(base / "archive", archives)
    shutil.rmtree(base / "extracted", ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="course-collect-") as stage:
        app, records = _zip_collect_app(course, lesson, pattern, Path(stage), notebooks)
        try:
            app.init_plugins()
            app.extract_archive_files()
            app.process_extracted_files()
        except SystemExit:  # nbgrader's app.fail: the reason is its last error message
            raise CourseError(_zip_failure(records.messages, app.collector_plugin_inst)) from None
        collector = app.collector_plugin_inst
        placed = place(Path(stage), course.root / "submitted", lesson, force)
    return Collection(placed, list(collector.skipped))


def _zip_failure(messages: list[str], collector: LessonFileCollector | None) -> str:
    doubles = {s: f for s, f in (collector.files.items() if collector else []) if len(f) > 1}
    if doubles:
        listed = "; ".join(f"{s}: {', '.join(files)}" for s, files in sorted(doubles.items()))
        return (f"more than one notebook per student in the download ({listed}); remove the older "
                "ones, or give --student-pattern a (?P<timestamp>...) group so the newest wins")
    return "nbgrader zip_collect failed: " + (messages[-1] if messages else "unknown error")


# --- nbgrader's exchange --------------------------------------------------------------------------


class CheckedExchangeCollect(ExchangeCollect):
    """nbgrader's exchange collect, leaving out (with a warning) what a student could put in the
    inbound folder to harm the collection: an entry whose student id cannot name a folder (such as
    ``..``), or whose timestamp cannot be read (nbgrader would stop collecting for everyone)."""

    def _path_to_record(self, path: str) -> dict:
        try:
            return super()._path_to_record(path)
        except (ValueError, OverflowError):
            return {"username": "", "filename": os.path.basename(path), "timestamp": datetime.datetime.min}

    def init_src(self) -> None:
        super().init_src()
        usable = [r for r in self.src_records if valid_student_id(r["username"])]
        for record in self.src_records:
            if record not in usable:
                self.log.warning("not collected: %r (no usable student id and timestamp in its name)",
                                 record["filename"])
        self.src_records = usable


def _exchange_api(course: Course, exchange_root: Path | None, force: bool = False) -> NbGraderAPI:
    """nbgrader's API for the course, with ``Exchange.root`` overridden by ``exchange_root``."""
    api = course.api()
    config = api.config
    if exchange_root is not None:
        config.Exchange.root = str(exchange_root.resolve())
    config.ExchangeReleaseAssignment.force = force
    config.ExchangeFactory.collect = CheckedExchangeCollect
    exchanged = NbGraderAPI(coursedir=api.coursedir, config=config)
    exchanged.log.setLevel(logging.WARNING)
    return exchanged


def exchange_root(api: NbGraderAPI) -> Path:
    return Path(api.config.Exchange.root or "/usr/local/share/nbgrader/exchange")


def _log_messages(log: str | None, level: str) -> list[str]:
    """The messages of ``level`` (``WARNING``, ``ERROR``) in a log nbgrader's API captured, each on
    one line (nbgrader's messages may span several)."""
    messages = re.split(r"^\[(\w+)\] ", log or "", flags=re.MULTILINE)[1:]
    return [" ".join(text.split()) for found, text in zip(messages[::2], messages[1::2], strict=True)
            if found == level]


def _exchange_error(what: str, result: dict) -> CourseError:
    errors = _log_messages(result.get("log"), "ERROR")
    trace = (result.get("error") or "").strip().splitlines()
    reason = errors[-1] if errors else (trace[-1] if trace else "unknown error")
    return CourseError(f"{what} failed: {reason}")


def release_to_exchange(course: Course, lesson: str, root: Path | None = None, force: bool = False) -> Path:
    """Regenerate ``notebooks/<lesson>`` from ``solutions/`` and release it to nbgrader's exchange
    (``<root>/<course id>/outbound/<lesson>``), where students fetch it. Returns that folder."""
    course.release([lesson])
    api = _exchange_api(course, root, force)
    result = api.release_assignment(lesson)
    if not result["success"]:
        raise _exchange_error(f"releasing {lesson} to the exchange at {exchange_root(api)}", result)
    return exchange_root(api) / api.coursedir.course_id / "outbound" / lesson


def collect_exchange(course: Course, lesson: str, root: Path | None = None,
                     force: bool = False) -> Collection:
    """Collect each student's latest submission of ``lesson`` from nbgrader's exchange into ``submitted/``."""
    lesson_notebooks(course, lesson)
    api = _exchange_api(course, root)
    where = exchange_root(api)
    if not (where / api.coursedir.course_id / "inbound").is_dir():
        raise CourseError(f"nothing released to the exchange at {where} yet (no "
                          f"{api.coursedir.course_id}/inbound/ there): set c.Exchange.root in "
                          "nbgrader_config.py or pass --exchange-root")
    with tempfile.TemporaryDirectory(prefix="course-collect-") as stage:
        api.coursedir.submitted_directory = stage
        result = api.collect(lesson, update=True)
        if not result["success"]:
            raise _exchange_error(f"collecting {lesson} from the exchange at {where}", result)
        placed = place(Path(stage), course.root / "submitted", lesson, force)
    return Collection(placed, [], _log_messages(result.get("log"), "WARNING"))


# --- into submitted/ -------------------------------------------------------------------------------


def lesson_notebooks(course: Course, lesson: str) -> list[str]:
    """The notebook names of ``lesson`` (raises :class:`CourseError` for an unknown lesson)."""
    if lesson not in course.lessons():
        raise CourseError(f"no such lesson in {SOURCE_DIRECTORY}/: {lesson} "
                          f"(lessons: {', '.join(course.lessons())})")
    return sorted(p.name for p in (course.root / SOURCE_DIRECTORY / lesson).glob("*.ipynb"))


def _files(folder: Path) -> dict[str, bytes]:
    """The regular files directly in ``folder`` (no links, no subfolders), by name."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.is_symlink()}


def _timestamp(files: dict[str, bytes]) -> datetime.datetime | None:
    """When a submission was handed in, from its ``timestamp.txt`` (nbgrader's), if it has one."""
    try:
        return parse_utc(files["timestamp.txt"].decode().strip())
    except (KeyError, ValueError, UnicodeDecodeError, OverflowError):
        return None


def _newer(new: dict[str, bytes], old: dict[str, bytes]) -> bool:
    """Whether submission ``new`` was handed in after ``old`` (both timestamped)."""
    new_time, old_time = _timestamp(new), _timestamp(old)
    return new_time is not None and old_time is not None and new_time > old_time


def place(stage: Path, submitted: Path, lesson: str, force: bool = False) -> list[Placed]:
    """Move each ``stage/<student>/<lesson>/`` (its regular files) to ``submitted/<student>/<lesson>/``.

    A student already there is replaced when the new submission is newer (both have a
    ``timestamp.txt``) or ``force``; identical ones are left alone; otherwise the old one is kept."""
    placed = []
    for folder in sorted(stage.glob(f"*/{lesson}")):
        student = folder.parent.name
        if not valid_student_id(student):
            placed.append(Placed(student, "kept", "not a usable student id: not collected"))
            continue
        new, target = _files(folder), submitted / student / lesson
        old = _files(target) if target.is_dir() else None
        if old == new:
            placed.append(Placed(student, "unchanged"))
            continue
        if old is not None and not force and not _newer(new, old):
            placed.append(Placed(student, "kept", "differs from the one in submitted/ and is not "
                                                  "newer: pass --force to replace it"))
            continue
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for name, content in new.items():
            (target / name).write_bytes(content)
        placed.append(Placed(student, "new" if old is None else "updated"))
    return placed


# --- the commands ---------------------------------------------------------------------------------


def _print_collection(lesson: str, collection: Collection, source: str) -> None:
    actions = ("new", "updated", "unchanged", "kept")
    counts = {a: sum(p.action == a for p in collection.placed) for a in actions}
    print(f"collected {lesson} from {source}: " + ", ".join(f"{n} {a}" for a, n in counts.items()))
    for p in collection.placed:
        print(f"  {p.student_id:<24} {p.action}" + (f"  ({p.detail})" if p.detail else ""))
    if collection.skipped:
        print(f"skipped {len(collection.skipped)} file(s):")
        for name, why in collection.skipped:
            print(f"  {name}: {why}")
    for warning in collection.warnings:
        print(f"nbgrader: {warning}")
    print(f"notebooks in submitted/<student>/{lesson}/; next: course grade {lesson}")


def _collect(args: argparse.Namespace) -> int:
    course = Course(args.root, db_url=args.db_url)
    if args.exchange:
        collection = collect_exchange(course, args.lesson, args.exchange_root, args.force)
        source = "the exchange"
    else:
        collection = collect_zip(course, args.lesson, args.zip, args.student_pattern, args.force)
        source = ", ".join(p.name for p in args.zip)
    _print_collection(args.lesson, collection, source)
    return 0


def _release_to_exchange(args: argparse.Namespace) -> int:
    course = Course(args.root, db_url=args.db_url)
    outbound = release_to_exchange(course, args.lesson, args.exchange_root, args.force)
    print(f"released {args.lesson} -> {outbound} (students: nbgrader fetch_assignment {args.lesson})")
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    """The ``course collect`` and ``course release-to-exchange`` subcommands."""
    collect = commands.add_parser(
        "collect", help="put submissions in submitted/: from an LMS download (zip) or nbgrader's exchange",
        description="Collect submissions of LESSON into submitted/<student>/LESSON/, from an LMS download "
                    "(--zip, with nbgrader's zip_collect: the file goes to downloaded/LESSON/archive/, is "
                    "extracted to downloaded/LESSON/extracted/, and each file's name gives the student "
                    "id) or from nbgrader's exchange (--exchange). A student already in submitted/ is "
                    "replaced only by a newer submission, or with --force.")
    collect.add_argument("lesson", help="the lesson, e.g. 01_predict_compare_learn")
    source = collect.add_mutually_exclusive_group(required=True)
    source.add_argument("--zip", type=Path, action="append", metavar="FILE",
                        help="a zip of submissions downloaded from the LMS (repeat for several)")
    source.add_argument("--exchange", action="store_true",
                        help="collect the latest submission of each student from nbgrader's exchange")
    collect.add_argument("--student-pattern", default=DEFAULT_STUDENT_PATTERN, metavar="REGEX",
                         help="regular expression matched at the start of each downloaded file name, "
                              "with a group (?P<student_id>...) (default: %(default)s, i.e. "
                              "<student_id>_<anything>.ipynb)")
    _exchange_root_option(collect)
    collect.add_argument("--force", action="store_true",
                         help="replace submissions already in submitted/ even if not newer")
    collect.set_defaults(run=_collect)

    release = commands.add_parser(
        "release-to-exchange", help="release a lesson to nbgrader's exchange, for students to fetch",
        description="Regenerate notebooks/LESSON from solutions/ (as `course release`), then release it "
                    "to nbgrader's exchange (nbgrader release_assignment with the course's config).")
    release.add_argument("lesson", help="the lesson, e.g. 01_predict_compare_learn")
    _exchange_root_option(release)
    release.add_argument("--force", action="store_true",
                         help="replace the lesson if it is already in the exchange")
    release.set_defaults(run=_release_to_exchange)


def _exchange_root_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--exchange-root", type=Path, default=None, metavar="DIR",
                        help="nbgrader's exchange directory (default: c.Exchange.root in the course's "
                             "nbgrader_config.py, else nbgrader's /usr/local/share/nbgrader/exchange)")
