"""Where finalized PDFs live: a small interface, so object storage can replace the file system later.

Names are opaque keys chosen by the caller (no directories). Every failure of the medium is a
`StorageError`; a name that holds nothing is the narrower `DocumentMissing`, which callers treat as an
integrity failure rather than an outage.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol


class StorageError(Exception):
    """The storage medium cannot be read or written (full, read-only, unmounted, unreachable)."""


class DocumentMissing(StorageError):
    """Nothing is stored under the name asked for."""


class DocumentStorage(Protocol):
    def put(self, name: str, content: bytes) -> None:
        """Store `content` under `name` durably and atomically: a reader sees all of it or nothing."""

    def get(self, name: str) -> bytes:
        """The bytes stored under `name`; `DocumentMissing` when there are none."""

    def delete(self, name: str) -> None:
        """Forget `name`; deleting what is not there is not an error (clean-up may run twice)."""

    def check(self) -> None:
        """Raise `StorageError` unless a document could be stored right now."""


class FileStorage:
    """One directory on a local or mounted file system."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def put(self, name: str, content: bytes) -> None:
        # Temporary file in the same directory (same file system, so the rename is atomic), flushed to disk
        # before the rename, and the directory flushed after it, so a crash leaves the old state or the new.
        target = self._path(name)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            descriptor, partial = tempfile.mkstemp(dir=self.directory, prefix=f".{name}.", suffix=".partial")
            try:
                with os.fdopen(descriptor, "wb") as file:
                    file.write(content)
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(partial, target)
            except BaseException:
                Path(partial).unlink(missing_ok=True)
                raise
            self._sync_directory()
        except OSError as error:
            raise StorageError(f"cannot write {name} to {self.directory}: {error.strerror or error}") from error

    def get(self, name: str) -> bytes:
        try:
            return self._path(name).read_bytes()
        except (FileNotFoundError, IsADirectoryError) as error:
            raise DocumentMissing(f"{name} is not in {self.directory}") from error
        except OSError as error:
            raise StorageError(f"cannot read {name} from {self.directory}: {error.strerror or error}") from error

    def delete(self, name: str) -> None:
        try:
            self._path(name).unlink(missing_ok=True)
        except OSError as error:
            raise StorageError(f"cannot delete {name} from {self.directory}: {error.strerror or error}") from error

    def check(self) -> None:
        """Write, read back and delete a probe: the only test that holds for root and read-only mounts alike."""
        probe = f".health-{os.getpid()}-{os.urandom(4).hex()}"
        self.put(probe, b"ok")
        try:
            if self.get(probe) != b"ok":
                raise StorageError(f"{self.directory} did not return what was written")
        finally:
            self.delete(probe)

    def _path(self, name: str) -> Path:
        if not name or "/" in name or "\\" in name or name in (".", ".."):
            raise ValueError(f"{name!r} is not a document name")
        return self.directory / name

    def _sync_directory(self) -> None:
        descriptor = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
