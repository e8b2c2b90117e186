"""File storage of documents: atomic writes, distinct errors for a missing file and an unusable medium."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.documents.storage import DocumentMissing, FileStorage, StorageError


def test_what_is_put_is_got_back_and_no_temporary_file_remains(tmp_path: Path) -> None:
    storage = FileStorage(tmp_path / "documents")
    storage.put("Q-1-v2-abc.pdf", b"%PDF-1")
    storage.put("Q-1-v2-abc.pdf", b"%PDF-2")  # a retried finalize replaces, never appends
    assert storage.get("Q-1-v2-abc.pdf") == b"%PDF-2"
    assert [p.name for p in (tmp_path / "documents").iterdir()] == ["Q-1-v2-abc.pdf"]


def test_a_missing_document_is_distinct_from_an_unusable_medium(tmp_path: Path) -> None:
    storage = FileStorage(tmp_path)
    with pytest.raises(DocumentMissing):
        storage.get("Q-1-v2-abc.pdf")
    storage.delete("Q-1-v2-abc.pdf")  # deleting twice is harmless
    storage.check()


def test_a_directory_that_cannot_exist_is_a_storage_error_everywhere(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    storage = FileStorage(tmp_path / "file" / "documents")  # under a regular file: refused even to root
    for action in (lambda: storage.put("a.pdf", b"x"), storage.check, lambda: storage.get("a.pdf")):
        with pytest.raises(StorageError):
            action()


def test_a_failed_write_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full_disk(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", full_disk)
    with pytest.raises(StorageError, match="No space left"):
        FileStorage(tmp_path).put("a.pdf", b"x")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["../escape.pdf", "sub/a.pdf", "", ".."])
def test_names_cannot_leave_the_directory(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError):
        FileStorage(tmp_path).put(name, b"x")
