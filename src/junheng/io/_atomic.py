"""Write outputs so that a run's files appear together or not at all.

Every writer writes through :func:`atomic_path`: a temporary file beside the target, renamed over
it only when the writer finished. Inside an :func:`output_run` the renames wait until the whole
run has succeeded, so a failure in the fourth report leaves none of the four (and no folder the
run created); outside a run each file is still replaced in one rename.

A folder registered with :meth:`OutputRun.folder` keeps a small manifest of the files each kind
of run (the evaluation's reports in Chinese, in English, a plan …) last wrote into it, so that a
re-run of the same kind (another county) removes that kind's previous files instead of leaving
them mixed in with the new ones. Only a file a run of the same kind listed, and unchanged since
(same size and modification time), is ever removed; an edited draft stays, and is reported.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from pathlib import Path

from junheng.errors import OutputError

MANIFEST = ".junheng-manifest.json"
_TMP_MARK = ".junheng-tmp-"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def shown_path(path: str | Path) -> str:
    """The path a user asked for, for a temporary name of ours (``.name.junheng-tmp-…``)."""
    p = Path(path)
    name = p.name
    if name.startswith(".") and _TMP_MARK in name:
        return str(p.with_name(name[1:name.index(_TMP_MARK)]))
    return str(p)


class OutputRun:
    """The files of one run: staged, then moved into place together by :func:`output_run`."""

    def __init__(self, protect: Iterable[str | Path] = ()) -> None:
        self._staged: list[tuple[Path, Path]] = []
        self._created: list[Path] = []
        self._folders: dict[Path, str] = {}
        self._protected = [Path(p) for p in protect]
        self.written: list[Path] = []
        self.removed: list[Path] = []  # a previous run's files of the same kind, unchanged
        self.kept: list[Path] = []  # a previous run's files changed since: left in place

    def protect(self, paths: Iterable[str | Path]) -> None:
        self._protected.extend(Path(p) for p in paths)

    def check(self, target: Path) -> None:
        """Refuse to write over an input (or into an input folder)."""
        for p in self._protected:
            inside = p.is_dir() and target.resolve().is_relative_to(p.resolve())
            if _same(target, p) or inside:
                raise OutputError([(f"{target}：会覆盖输入数据 {p}，请换一个输出路径",
                                    f"{target}: would overwrite the input {p}; choose another "
                                    "output path")])

    def make_parent(self, target: Path) -> None:
        missing = [a for a in reversed(target.parents) if not a.exists()]
        target.parent.mkdir(parents=True, exist_ok=True)
        self._created.extend(a for a in missing if a not in self._created)

    def folder(self, folder: str | Path, kind: str) -> Path:
        """Register ``folder`` as written by a run of ``kind`` (``evaluate-zh``, ``plan-rotation-
        en`` …): its manifest lists the files written into it, and the files the previous run of
        the same kind listed that this run does not write, if unchanged since, are removed."""
        folder = Path(folder)
        self.check(folder)
        if not folder.exists():
            self.make_parent(folder / "_")
        self._folders[folder] = kind
        return folder

    def stage(self, tmp: Path, target: Path) -> None:
        self._staged.append((tmp, target))

    def commit(self) -> None:
        """Move every staged file into place; if a move fails, put back what was there."""
        mode = 0o666 & ~_umask()
        for tmp, target in self._staged:
            if target.is_dir():  # found before anything moves, not after half of it
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
            os.chmod(tmp, mode)
        moved: list[tuple[Path, Path | None]] = []  # (target, backup of the old file or None)
        try:
            for tmp, target in self._staged:
                backup = _backup(target)
                try:
                    os.replace(tmp, target)
                except BaseException:
                    if backup is not None:  # the old file is still in place: drop its link
                        backup.unlink()
                    raise
                moved.append((target, backup))
        except BaseException:
            for target, backup in reversed(moved):
                with contextlib.suppress(OSError):
                    if backup is None:
                        target.unlink()
                    else:
                        os.replace(backup, target)
            raise
        for target, backup in moved:
            if backup is not None:
                with contextlib.suppress(OSError):
                    backup.unlink()
            if target not in self.written:
                self.written.append(target)
        self._staged.clear()
        for folder, kind in self._folders.items():
            names = [p.name for p in self.written if p.parent == folder]
            with contextlib.suppress(OSError):  # the files are in place; the list is a nicety
                self._update_manifest(folder, kind, names, mode)

    def _update_manifest(self, folder: Path, kind: str, names: list[str], mode: int) -> None:
        runs = _read_manifest(folder)
        for entry in runs.get(kind, []):
            old = folder / entry["name"]
            if entry["name"] in names or not old.is_file() or old.is_symlink() or any(
                    _same(old, p) for p in self._protected):
                continue
            if _stamp(old) == (entry.get("size"), entry.get("mtime_ns")):
                old.unlink()
                self.removed.append(old)
            else:
                self.kept.append(old)
        runs[kind] = [{"name": n, "size": size, "mtime_ns": mtime}
                      for n in names for size, mtime in [_stamp(folder / n)]]
        runs = {k: [e for e in v if (folder / e["name"]).is_file()] for k, v in runs.items()}
        _write_manifest(folder, runs, mode)

    def discard(self) -> None:
        for tmp, _ in self._staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        self._staged.clear()
        for folder in reversed(self._created):  # only folders this run made, and only if empty
            with contextlib.suppress(OSError):
                folder.rmdir()


_ACTIVE: ContextVar[OutputRun | None] = ContextVar("junheng_output_run", default=None)


@contextlib.contextmanager
def output_run(protect: Iterable[str | Path] = ()) -> Iterator[OutputRun]:
    """All files written inside appear together when the block ends, or none of them.

    A run inside a run joins the outer one. ``protect`` lists inputs that no output may
    replace.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> try:
    ...     with output_run():
    ...         _ = write_text(folder / "a.txt", "one")
    ...         raise RuntimeError("the second file failed")
    ... except RuntimeError:
    ...     pass
    >>> sorted(p.name for p in folder.iterdir())
    []
    """
    outer = _ACTIVE.get()
    if outer is not None:
        outer.protect(protect)
        yield outer
        return
    run = OutputRun(protect)
    token = _ACTIVE.set(run)
    try:
        yield run
    except BaseException:
        run.discard()
        raise
    finally:
        _ACTIVE.reset(token)
    try:
        run.commit()
    except BaseException:
        run.discard()
        raise


def output_folder(folder: str | Path, kind: str) -> Path:
    """Register ``folder`` with the active run (see :meth:`OutputRun.folder`); outside a run,
    just make sure it exists."""
    run = _ACTIVE.get()
    if run is None:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return Path(folder)
    return run.folder(folder, kind)


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``target`` in one rename (at the
    end of the active :func:`output_run`, if any).

    A reader never sees a half-written file, and a failed write leaves any old file untouched.
    New files get the usual permissions (the umask), not the temporary file's 0600.
    """
    target = Path(target)
    run = _ACTIVE.get()
    if run is not None:
        run.check(target)
        run.make_parent(target)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}{_TMP_MARK}", suffix=target.suffix,
                               dir=target.parent)
    os.close(fd)
    staged = False
    try:
        yield Path(tmp)
        if run is not None:
            run.stage(Path(tmp), target)
            staged = True
        else:
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, target)
    finally:
        if not staged and os.path.exists(tmp):
            os.unlink(tmp)


def write_text(target: str | Path, text: str) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _backup(target: Path) -> Path | None:
    """A hard link to the file ``target`` holds now, to put back if the commit fails (None when
    there is no file, or the file system has no hard links: a USB stick's FAT)."""
    if not target.is_file():
        return None
    backup = target.with_name(f".{target.name}{_TMP_MARK}old")
    with contextlib.suppress(OSError):
        backup.unlink()
    try:
        os.link(target, backup)
    except OSError:
        return None
    return backup


def _read_manifest(folder: Path) -> dict[str, list[dict]]:
    try:
        runs = json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("runs", {})
    except (OSError, ValueError, AttributeError):
        return {}
    if not isinstance(runs, dict):
        return {}
    # A name with a separator, or '..', is not one a run wrote: never follow it out of the folder.
    return {kind: [e for e in entries if isinstance(e, dict) and isinstance(e.get("name"), str)
                   and e["name"] and "/" not in e["name"] and "\\" not in e["name"]
                   and e["name"] not in (".", "..", MANIFEST)]
            for kind, entries in runs.items() if isinstance(entries, list)}


def _write_manifest(folder: Path, runs: dict[str, list[dict]], mode: int) -> None:
    text = json.dumps({"written_by": "junheng", "runs": runs}, ensure_ascii=False, indent=1)
    fd, tmp = tempfile.mkstemp(prefix=f".{MANIFEST}{_TMP_MARK}", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text + "\n")
        os.chmod(tmp, mode)
        os.replace(tmp, folder / MANIFEST)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def check_outputs(inputs: Iterable[str | Path], files: dict[str, Path | None],
                  folders: dict[str, Path | None]) -> None:
    """Check every output path before anything is computed; raise ``OutputError`` naming the
    option of each path that cannot be used (all of them at once).

    ``files`` and ``folders`` map an option name (``--json``) to the path given, or None.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> (folder / "county.xlsx").write_bytes(b"")
    0
    >>> try:
    ...     check_outputs([folder / "county.xlsx"], {"--json": folder / "county.xlsx"}, {})
    ... except OutputError as exc:
    ...     print(exc.messages[0][1].split(": ", 1)[1])
    would overwrite the input; choose another output path
    """
    inputs = [Path(p) for p in inputs]
    messages: list[tuple[str, str]] = []
    seen: dict[Path, str] = {}

    def say(option: str, path: Path, zh: str, en: str) -> None:
        messages.append((f"{option} {path}：{zh}", f"{option} {path}: {en}"))

    for kind, given in (("file", files), ("folder", folders)):
        for option, path in given.items():
            if path is None:
                continue
            path = Path(path)
            if any(_same(path, p) for p in inputs):
                say(option, path, "会覆盖输入数据，请换一个输出路径",
                    "would overwrite the input; choose another output path")
                continue
            if any(p.is_dir() and path.resolve().is_relative_to(p.resolve()) for p in inputs):
                say(option, path, "在输入数据的文件夹里，会混入输入表格，请换一个输出路径",
                    "is inside the input folder, where it would mix with the input tables; "
                    "choose another output path")
                continue
            key = path.resolve()
            if key in seen:
                say(option, path, f"与 {seen[key]} 是同一路径", f"is the same path as {seen[key]}")
                continue
            seen[key] = option
            if kind == "file" and path.is_dir():
                say(option, path, "是一个文件夹，应为文件路径", "is a folder; expected a file path")
                continue
            if kind == "folder" and path.exists() and not path.is_dir():
                say(option, path, "是一个文件，应为文件夹", "is a file; expected a folder")
                continue
            ancestor = next((a for a in path.parents if a.exists()), Path("."))
            if not ancestor.is_dir():
                say(option, path, f"上级路径 {ancestor} 是文件，不是文件夹",
                    f"{ancestor} is a file, not a folder")
                continue
            where = path if kind == "folder" and path.is_dir() else ancestor
            if not os.access(where, os.W_OK | os.X_OK):
                say(option, path, f"没有写入 {where} 的权限", f"no permission to write in {where}")
    if messages:
        raise OutputError(messages)
