"""Every file costcalc reads or writes goes through here, so each rule holds for all of them.

Reading (presets, scenarios, claims, caches): only a regular file is opened (a FIFO would block
forever and ``/dev/zero`` never ends), it is opened non-blocking and checked again on the open
descriptor (the path may be swapped between the two), and at most ``max_bytes`` are read. Every
refusal is a ``FileError``: one line naming the file.

Writing (``--save``, exports): the editor's rules. The target is a regular file or a new path;
a symbolic link is followed to the regular file it names; devices, FIFOs and folders are
refused. The text goes to a temporary file beside the target, is synced and renamed into place,
so a crash never leaves half a file; an existing file keeps its mode and its owner (or is not
written when its owner cannot be kept), a new one gets the umask's mode. A file with more than
one hard link is not replaced (the rename would split the links). The temporary file is removed
on any error and on SIGTERM or SIGHUP during the write.

Links are followed one at a time, by the kernel's ``fs.protected_symlinks`` rule, which does not
apply when a program resolves a path itself: a link in a sticky folder that everyone may write
(``/tmp``, a shared drop folder) is followed only if it belongs to the user or to the folder's
owner (``planted_link``). Otherwise another user could plant ``/shared/report.toml ->
/etc/important.conf`` and have root's ``--save /shared/report.toml`` replace the latter. Each
folder on the way is opened relative to the one before, without following links, and the file
is created and renamed in the last one by its descriptor: a folder swapped for a link after the
check changes nothing.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from costcalc.base.errors import FileError, InputError
from costcalc.base.signals import signals_interrupt
from costcalc.base.text import control_character, no_control_message

__all__ = [
    "file_path",
    "may_hold_control",
    "parse_toml",
    "planted_link",
    "read_text",
    "read_toml",
    "user_folder",
    "write_text",
]

#: The most symbolic links followed in one path, as the kernel's limit (beyond: too many levels).
MAX_LINKS = 40


def _why(err: OSError) -> str:
    return err.strerror or type(err).__name__


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def file_path(value: Any, field: str) -> Path:
    """``value`` (text or a path) as the file name given for the input ``field``; any other type,
    an empty name or a NUL character is an ``InputError`` naming ``field`` (the API's typed error)."""
    text = os.fspath(value) if isinstance(value, str | os.PathLike) else None
    if not isinstance(text, str):
        raise InputError(field, f"expected a file name (text or a path), got {type(value).__name__}")
    if not text.strip() or "\0" in text:
        raise InputError(field, f"expected a file name, got {text!r}")
    return Path(text)


def read_text(path: str | Path, *, max_bytes: int, what: str = "file", owner_only: bool = False) -> str:
    """The UTF-8 text of the regular file at ``path``, at most ``max_bytes`` long.

    A leading UTF-8 byte-order mark is dropped, so a file saved "with BOM" reads as any other.

    ``owner_only`` also refuses a file that does not belong to the user running costcalc, or
    that others may write (for caches: a shared folder must not feed anyone's results).
    Raises ``FileError`` naming the file for anything else.
    """
    name = str(path)
    try:
        before = os.stat(name)
    except OSError as err:
        raise FileError(name, f"{what} cannot be read: {_why(err)}") from None
    if not stat.S_ISREG(before.st_mode):
        raise FileError(name, f"{what} is {_kind(before.st_mode)}, not a regular file")
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        raise FileError(name, f"{what} cannot be read: {_why(err)}") from None
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            raise FileError(name, f"{what} is {_kind(opened.st_mode)}, not a regular file")
        if owner_only and (opened.st_uid != os.geteuid() or opened.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
            raise FileError(name, f"{what} belongs to another user or others may write it")
        if opened.st_size > max_bytes:
            raise FileError(name, f"{what} is too large ({opened.st_size:,} bytes; at most {max_bytes:,})")
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:  # the size may change after fstat: never read past the cap
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as err:
        raise FileError(name, f"{what} cannot be read: {_why(err)}") from None
    finally:
        os.close(fd)
    if size > max_bytes:
        raise FileError(name, f"{what} is too large (over {max_bytes:,} bytes)")
    try:
        # utf-8-sig: a byte-order mark at the start (some Windows editors write one) is dropped
        return b"".join(chunks).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileError(name, f"{what} is not UTF-8 text") from None


def read_toml(path: str | Path, *, max_bytes: int, what: str = "file") -> dict[str, Any]:
    """A TOML document from ``read_text``; bad TOML and absurd nesting name the file."""
    text = read_text(path, max_bytes=max_bytes, what=what)
    return parse_toml(text, str(path), what=what)


#: ``costcalc.base.text.CONTROL`` without the line ends: a control character that TOML text may
#: hold outside its strings (between lines) but never inside a one-line string or key.
_CONTROL_BUT_LINE_ENDS = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def may_hold_control(text: str) -> bool:
    """Whether a string or key parsed from the TOML ``text`` may hold a control character.

    None can when the text has no escape (a backslash), no multi-line string (which keeps its
    line breaks) and no control character but line ends: a one-line string or key copies its
    characters as written, and TOML refuses a line end inside one. Every string of such a text
    is then free of them without looking at each (start-up: a preset file holds a thousand).
    """
    return "\\" in text or '"""' in text or "'''" in text or _CONTROL_BUT_LINE_ENDS.search(text) is not None


def parse_toml(text: str, name: str, *, what: str = "file") -> dict[str, Any]:
    """Parse TOML text read from ``name``; errors (including too deep nesting) name the file.

    A key or string holding a control character is refused (``costcalc.base.text``): the
    ``FileError``'s field is the TOML field, and its message starts with that field. Each string
    is looked at only when the text ``may_hold_control``.
    """
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise FileError(name, f"toml: {what} is not valid TOML: {err}", "toml") from None
    except RecursionError:
        raise FileError(name, f"toml: {what} is nested too deeply to read", "toml") from None
    if not may_hold_control(text):
        return document
    try:
        found = control_character(document)
    except RecursionError:
        raise FileError(name, f"toml: {what} is nested too deeply to read", "toml") from None
    if found is not None:
        raise FileError(name, f"{found[0]}: {no_control_message(found[1])}", found[0])
    return document


def planted_link(link: os.stat_result, folder: os.stat_result, uid: int) -> bool:
    """Whether user ``uid`` must not follow the link ``link`` found in ``folder`` (both ``lstat``/``stat``).

    The kernel's ``fs.protected_symlinks`` rule: a link in a folder that is sticky and writable by
    all is followed only when it belongs to ``uid`` (the follower) or to the folder's owner.
    """
    shared = bool(folder.st_mode & stat.S_ISVTX) and bool(folder.st_mode & stat.S_IWOTH)
    return shared and link.st_uid not in (uid, folder.st_uid)


def _components(text: str) -> list[str]:
    return [part for part in text.split("/") if part not in ("", ".")]


_FOLDER = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)


@dataclass
class _Place:
    """Where a write lands: an open descriptor of the folder, the name in it, and the path shown."""

    folder: int
    name: str
    path: str

    def step(self, part: str, what: str) -> None:
        """Into the sub-folder ``part`` (``..`` included), never through a link."""
        try:
            inner = os.open(part, _FOLDER | os.O_NOFOLLOW, dir_fd=self.folder)
        except FileNotFoundError:
            raise FileError(self.path, f"{what} cannot be written: the folder {self.path!r} has no {part!r}") from None
        os.close(self.folder)
        self.folder = inner
        self.path = os.path.dirname(self.path) if part == ".." else os.path.join(self.path, part)

    @classmethod
    def start(cls, absolute: bool) -> _Place:
        """The root folder, or the working one."""
        path = "/" if absolute else os.getcwd()
        return cls(os.open("/" if absolute else ".", _FOLDER), "", path)

    def restart(self) -> None:
        """Back to the root folder (an absolute link)."""
        root = os.open("/", _FOLDER)
        os.close(self.folder)
        self.folder, self.path = root, "/"


def _follow(text: str, what: str) -> _Place:
    """The folder a write to ``text`` lands in, opened, with the file's name: as ``realpath`` finds it.

    Links are followed one at a time and each is checked by ``planted_link``; every folder is
    opened relative to the one before, without following links, so nothing checked can be swapped
    before the write. Anything but the last component that is missing is an error.
    """
    uid = os.geteuid()
    place = _Place.start(text.startswith("/"))
    todo = _components(text)[::-1]  # a stack: the next component last
    followed = 0
    try:
        while todo:
            part = todo.pop()
            try:
                status = os.stat(part, dir_fd=place.folder, follow_symlinks=False)
            except FileNotFoundError:
                status = None
            if status is None or not stat.S_ISLNK(status.st_mode):
                if not todo and part != "..":
                    place.name = part
                    return place
                place.step(part, what)
                continue
            followed += 1
            if followed > MAX_LINKS:
                raise FileError(text, f"{what} cannot be written: too many levels of symbolic links")
            if planted_link(status, os.fstat(place.folder), uid):
                raise FileError(
                    text,
                    f"{what}: the symbolic link {os.path.join(place.path, part)!r} belongs to another user (uid "
                    f"{status.st_uid}) in a shared sticky folder and is not followed; expected a link of yours "
                    "or of the folder's owner",
                )
            target = os.readlink(part, dir_fd=place.folder)
            if target.startswith("/"):
                place.restart()
            todo.extend(_components(target)[::-1])
        raise FileError(text, f"{what}: names a folder, not a file")
    except BaseException:
        os.close(place.folder)
        raise


def _target(path: str | Path, what: str) -> tuple[_Place, os.stat_result | None]:
    """Where a write to ``path`` lands (symlinks followed) and the status of the file there, if any.

    The caller closes the returned place's folder.
    """
    text = os.fspath(path)
    if not text:
        raise FileError("", f"{what}: no file name given")
    if text.endswith((os.sep, "/")) or os.path.basename(text) in (".", ".."):
        raise FileError(text, f"{what}: names a folder, not a file")
    try:
        place = _follow(text, what)
    except OSError as err:
        raise FileError(text, f"{what} cannot be written: {_why(err)}") from None
    try:
        status = _existing(place, text, what)
    except BaseException:
        os.close(place.folder)
        raise
    return place, status


def _existing(place: _Place, text: str, what: str) -> os.stat_result | None:
    """The status of the file a write replaces (None for a new name); what cannot be replaced is refused."""
    try:
        status = os.stat(place.name, dir_fd=place.folder, follow_symlinks=False)
    except FileNotFoundError:
        return None
    except OSError as err:
        raise FileError(text, f"{what} cannot be written: {_why(err)}") from None
    if not stat.S_ISREG(status.st_mode):
        raise FileError(text, f"{what} is {_kind(status.st_mode)}; only a regular file or a new path is written")
    if status.st_nlink > 1:
        raise FileError(
            text,
            f"{what} has {status.st_nlink} hard links and replacing it would split them; "
            "expected a file with one link (write to a new name)",
        )
    return status


def _keep_owner(fd: int, status: os.stat_result, shown: str, what: str) -> None:
    """Give the new file (open as ``fd``) the owner and group of the file it replaces, or refuse."""
    mine = os.fstat(fd)
    if (mine.st_uid, mine.st_gid) == (status.st_uid, status.st_gid):
        return
    try:
        os.fchown(fd, status.st_uid, status.st_gid)
    except PermissionError:
        raise FileError(
            shown,
            f"{what} belongs to another user or group (uid {status.st_uid}, gid {status.st_gid}) that a new "
            "file of yours cannot keep; expected a file of yours (write to a new name)",
        ) from None


def write_text(path: str | Path, text: str, *, what: str = "file", new_mode: int = 0o666) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically, by the rules in the module docstring.

    A new file gets ``new_mode`` minus the umask (``0o600`` for private files such as caches).
    The temporary file is made, and renamed into place, in the folder found and checked by
    ``_follow`` (by its open descriptor, not by its path again).
    """
    place, status = _target(path, what)
    try:
        with signals_interrupt():
            _replace(place, status, text.encode("utf-8"), os.fspath(path), what, new_mode)
    finally:
        os.close(place.folder)
    return Path(os.fspath(path))


def _replace(place: _Place, status: os.stat_result | None, data: bytes, shown: str, what: str, mode: int) -> None:
    """Write ``data`` to a temporary file in ``place.folder``, then rename it over ``place.name``."""
    tmp = f".{place.name}.{secrets.token_hex(4)}.tmp"
    try:
        # new_mode minus the umask, as any new file; an existing file's owner and mode are copied below.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(tmp, flags, mode, dir_fd=place.folder)
    except OSError as err:
        raise FileError(shown, f"{what} cannot be written: {_why(err)}") from None
    try:
        try:
            if status is not None:
                _keep_owner(fd, status, shown, what)
                os.fchmod(fd, stat.S_IMODE(status.st_mode))
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, place.name, src_dir_fd=place.folder, dst_dir_fd=place.folder)
    except OSError as err:
        _remove(tmp, place.folder)
        raise FileError(shown, f"{what} cannot be written: {_why(err)}") from None
    except BaseException:
        _remove(tmp, place.folder)
        raise


def _remove(name: str, folder: int) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(name, dir_fd=folder)


def user_folder(kind: str) -> Path | None:
    """costcalc's per-user ``cache`` or ``config`` folder, or None when there is no safe one.

    The folder comes from ``platformdirs`` (XDG variables on Linux; relative XDG values are
    ignored, as the XDG specification asks). When no absolute folder can be found (no HOME and
    no password entry) there is none: costcalc then neither caches nor reads user presets,
    rather than writing into the working folder.
    """
    import platformdirs

    try:
        found = platformdirs.user_cache_dir("costcalc") if kind == "cache" else platformdirs.user_config_dir("costcalc")
    except Exception:  # no home folder at all
        return None
    folder = Path(found)
    return folder if folder.is_absolute() and "~" not in folder.parts else None
