"""Checking and storing uploaded evidence files.

The type is decided by the content (``filetype`` reads the magic bytes; DOCX and XLSX are ZIP
archives whose member names are checked), never by the name or the browser's Content-Type. The
name's extension must agree with the content, so an executable renamed ``.pdf`` is refused, and
so is a PNG named ``.pdf``. The file is written under a random name while its sha256 is computed
in the same pass.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from hds_platform.errors import ServiceError


@dataclass(frozen=True)
class AllowedType:
    content_type: str
    extensions: frozenset[str]
    storage_suffix: str


PDF = AllowedType("application/pdf", frozenset({".pdf"}), ".pdf")
PNG = AllowedType("image/png", frozenset({".png"}), ".png")
JPEG = AllowedType("image/jpeg", frozenset({".jpg", ".jpeg"}), ".jpg")
DOCX = AllowedType("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                   frozenset({".docx"}), ".docx")
XLSX = AllowedType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   frozenset({".xlsx"}), ".xlsx")
ALLOWED_TYPES = (PDF, PNG, JPEG, DOCX, XLSX)
_BY_MIME = {"application/pdf": PDF, "image/png": PNG, "image/jpeg": JPEG}
SNIFF_BYTES = 8192


class EvidenceFileError(ServiceError):
    """An upload refused for its content; the code says why."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message, code=code, field="file")


def detect_type(upload) -> AllowedType:
    """The allowed type of ``upload`` judged by its content, or :class:`EvidenceFileError`."""
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind is not None else ""
    if mime in _BY_MIME:
        return _BY_MIME[mime]
    if head.startswith(b"PK\x03\x04"):
        office = _office_type(upload)
        upload.seek(0)
        if office is not None:
            return office
    raise EvidenceFileError(
        _("Type de fichier refusé : seuls PDF, PNG, JPEG, DOCX et XLSX sont acceptés (type reconnu : %s).")
        % (mime or _("inconnu")),
        code="evidence_type_not_allowed",
    )


def _office_type(upload) -> AllowedType | None:
    """DOCX or XLSX when the ZIP holds ``[Content_Types].xml`` and the matching part folder."""
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if any(name.startswith("word/") for name in names):
        return DOCX
    if any(name.startswith("xl/") for name in names):
        return XLSX
    return None


def check_upload(upload) -> AllowedType:
    """Size, content type and extension of an uploaded file; returns its type."""
    size = upload.size
    if not size:
        raise EvidenceFileError(_("Le fichier est vide."), code="evidence_empty")
    if size > settings.EVIDENCE_MAX_BYTES:
        raise EvidenceFileError(
            _("Le fichier dépasse la taille maximale de %(max)s octets.") % {"max": settings.EVIDENCE_MAX_BYTES},
            code="evidence_too_large",
        )
    detected = detect_type(upload)
    extension = PurePath(upload.name or "").suffix.lower()
    if extension not in detected.extensions:
        raise EvidenceFileError(
            _("L'extension « %(ext)s » ne correspond pas au contenu du fichier (%(type)s).")
            % {"ext": extension or "—", "type": detected.content_type},
            code="evidence_extension_mismatch",
        )
    return detected


class _HashingReader:
    """A read-only file object that hashes and counts what is read from it, from the start."""

    def __init__(self, raw, limit: int):
        self._raw = raw
        self._limit = limit
        self.reset()

    def reset(self):
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size=-1):
        data = self._raw.read(size)
        self.size += len(data)
        if self.size > self._limit:
            raise EvidenceFileError(
                _("Le fichier dépasse la taille maximale de %(max)s octets.") % {"max": self._limit},
                code="evidence_too_large",
            )
        self.sha256.update(data)
        return data

    def seek(self, offset, whence=0):
        position = self._raw.seek(offset, whence)
        if position == 0:
            self.reset()
        return position

    def tell(self):
        return self._raw.tell()

    def seekable(self):
        return True

    def readable(self):
        return True


@dataclass(frozen=True)
class StoredFile:
    name: str
    sha256: str
    size: int


def store(upload, name: str) -> StoredFile:
    """Write ``upload`` to the default storage as ``name``, hashing it in the same pass.

    Nothing is left behind when writing fails.
    """
    upload.seek(0)
    reader = _HashingReader(upload, settings.EVIDENCE_MAX_BYTES)
    try:
        stored_name = default_storage.save(name, File(reader, name=name))
    except BaseException:
        discard(name)
        raise
    if stored_name != name:  # the storage renamed it: it must be the name we record
        discard(stored_name)
        raise RuntimeError(f"storage renamed {name} to {stored_name}")
    return StoredFile(name=stored_name, sha256=reader.sha256.hexdigest(), size=reader.size)


def discard(name: str) -> None:
    """Delete a stored file if it exists (cleanup after a failed or rolled-back upload)."""
    if name and default_storage.exists(name):
        default_storage.delete(name)
