"""Which files of a month folder's ``exports/`` are the month's exports: decided once, here, for the
ingest, ``hotline validate``, the arrival sensor and the freshness check alike.

Every entry under ``exports/`` is read, refused or skipped by name, never ignored in silence:

- read: files of an export type (``EXPORT_TYPES``), in subfolders too (named by their path relative
  to ``exports/``, e.g. ``batch2/a.csv``), through symbolic links;
- refused (a file fault that stops the month, naming the file and what to do): other types (.pdf,
  .doc, .zip …), dangling or looping links, anything that is not a regular file or cannot be listed;
- skipped with a note: Excel's lock files (``~$x.xlsx``), hidden files and folders (``.DS_Store``,
  LibreOffice's ``.~lock.x.xlsx#``) and what file managers leave (``Thumbs.db``, ``__MACOSX``).

The order is the relative names' order, never modification times: copying a folder keeps it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from hotline.contract.files import FileFault

# What the readers take (hotline/contract/files.py read_export_table); the real format is found from the
# bytes, so a workbook with the wrong one of these suffixes is still read.
EXPORT_TYPES = (".xlsx", ".xlsm", ".xls", ".csv", ".tsv", ".txt")
# What file managers leave in a folder they showed (Windows thumbnails and folder settings, the
# resource forks of a zip made on a Mac): not exports, skipped with a note like hidden files.
SYSTEM_FILES = {"thumbs.db", "desktop.ini", "__macosx"}
TYPE_FIX = (
    "Exports must be .xlsx, .xls, .csv, .tsv or .txt files; move anything else out of the exports "
    "folder (every file in it is read as part of the month)"
)


@dataclass(frozen=True)
class Refused:
    """A file under ``exports/`` that cannot be one of the month's exports."""

    path: Path
    name: str  # relative to the exports folder
    problem: str
    fix: str

    def fault(self) -> FileFault:
        return FileFault(self.path, self.problem, self.fix)


@dataclass
class Discovery:
    """A month's exports folder as the pipeline sees it: the files it reads (relative-name order),
    the files it refuses, and what it skipped on purpose (``notes``, to be shown)."""

    root: Path
    files: list[Path] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def name_of(self, path: Path) -> str:
        """The file's name in core.export_files and core.rejected_rows: its path below ``exports/``."""
        return path.relative_to(self.root).as_posix()

    def fault(self) -> FileFault | None:
        """The file fault that stops the month when any file is refused: the file itself if one,
        else the folder with every refused file named."""
        if not self.refused:
            return None
        if len(self.refused) == 1:
            return self.refused[0].fault()
        listed = "; ".join(f"{r.name}: {r.problem}" for r in self.refused)
        fixes = " ".join(dict.fromkeys(r.fix for r in self.refused))
        return FileFault(
            self.root, f"holds {len(self.refused)} files that cannot be read as exports ({listed})", fixes
        )


def discover_exports(exports_dir: Path) -> Discovery:
    """Every file under ``exports_dir``, read, refused or skipped (see the module's docstring).
    A missing folder gives an empty discovery (the caller says the month has no exports)."""
    found = Discovery(exports_dir)
    if not exports_dir.is_dir():
        return found
    _walk(exports_dir, found, {exports_dir.resolve()})
    found.files.sort(key=found.name_of)
    found.refused.sort(key=lambda r: r.name)
    return found


def _walk(folder: Path, found: Discovery, open_folders: set[Path]) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        found.refused.append(
            Refused(
                folder,
                found.name_of(folder) + "/",
                f"cannot be listed ({exc.strerror})",
                "Make the folder readable, or move it out of the exports folder",
            )
        )
        return
    for entry in entries:
        path = folder / entry.name
        name = found.name_of(path)
        if entry.name.startswith("~$"):
            found.notes.append(
                f"{name}: skipped, an Excel lock file "
                "(the workbook was open when the folder was copied), not an export"
            )
            continue
        if entry.name.startswith("."):
            kind = "folder" if entry.is_dir() else "file"
            found.notes.append(f"{name}: skipped, a hidden {kind} (its name starts with a dot), not an export")
            continue
        if entry.name.lower() in SYSTEM_FILES:
            found.notes.append(f"{name}: skipped, left by a file manager (Windows or macOS), not an export")
            continue
        if entry.is_symlink():
            try:
                target = path.resolve(strict=True)
            except FileNotFoundError:
                found.refused.append(
                    Refused(
                        path,
                        name,
                        f"is a link to {os.readlink(path)}, which does not exist (a dangling link)",
                        "Put the file itself in the exports folder, or delete the link",
                    )
                )
                continue
            except (RuntimeError, OSError):
                found.refused.append(
                    Refused(
                        path,
                        name,
                        "is a link that leads back to itself (a loop)",
                        "Put the file itself in the exports folder, or delete the link",
                    )
                )
                continue
            if target.is_dir() and (target in open_folders or any(target in p.parents for p in open_folders)):
                found.refused.append(
                    Refused(
                        path, name, f"is a link to the folder {target}, which contains it (a loop)", "Delete the link"
                    )
                )
                continue
        if path.is_dir():
            _walk(path, found, open_folders | {path.resolve()})
        elif not path.is_file():
            found.refused.append(Refused(path, name, "is not a regular file", "Move it out of the exports folder"))
        elif path.suffix.lower() in EXPORT_TYPES:
            found.files.append(path)
        else:
            kind = f"the unsupported type '{path.suffix.lower()}'" if path.suffix else "no file type (no suffix)"
            found.refused.append(Refused(path, name, f"has {kind}", TYPE_FIX))
