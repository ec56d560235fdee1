"""
Checking a model archive (`model.tar.gz`) before anything is extracted from it.

AllenNLP's `load_archive` extracts every member with `tarfile.extractall`, which follows
`../` paths, absolute paths and links, so a crafted archive can write anywhere the user can.
`check_archive` reads only the member list and refuses such an archive with one clear error;
`safe_load_archive` runs it before AllenNLP's loader.

Archives also hold pickled weights (`torch.load`), and unpickling can run code: no check of
the member list makes an archive from an untrusted source safe to load.
"""
import os
import posixpath
import tarfile
from typing import List

from sst_elmo.common.errors import InputError


class UnsafeArchiveError(InputError):
    """An archive that could write outside its extraction directory, or is not a tar file."""


def _escapes(name: str) -> bool:
    """Whether the member path `name`, relative to the extraction directory, leaves it."""
    if name.startswith(("/", "\\")) or posixpath.isabs(name) or (len(name) > 1 and name[1] == ":"):
        return True
    normalized = posixpath.normpath(name.replace("\\", "/"))
    return normalized == ".." or normalized.startswith("../")


def check_archive(path: str) -> List[str]:
    """
    Reads the member list of the tar (optionally gzip) archive at `path` and raises an
    `UnsafeArchiveError` naming the archive and the first offending member if any member

    - has an absolute path or one that leaves the extraction directory (`../x`);
    - is a symbolic or hard link whose target is absolute or leaves that directory;
    - is a device file or a FIFO.

    Nothing is extracted. Returns the member names.
    """
    if os.path.isdir(path):
        return []  # an already-extracted archive directory: nothing to extract
    try:
        with tarfile.open(path, "r:*") as archive:
            members = archive.getmembers()
    except (tarfile.TarError, EOFError, OSError) as error:
        raise UnsafeArchiveError(f"not a readable tar archive ({error})", path) from None
    for member in members:
        where = f"member {member.name!r}"
        if _escapes(member.name):
            raise UnsafeArchiveError(f"{where} would be written outside the extraction directory", path)
        if member.issym() or member.islnk():
            target = member.linkname
            if member.issym():
                target = posixpath.join(posixpath.dirname(member.name), target)
            if posixpath.isabs(member.linkname) or _escapes(target):
                raise UnsafeArchiveError(
                    f"{where} is a link to {member.linkname!r}, outside the extraction directory", path
                )
        if member.ischr() or member.isblk() or member.isfifo():
            raise UnsafeArchiveError(f"{where} is a device file or FIFO", path)
    return [member.name for member in members]


def safe_load_archive(archive_file: str, **kwargs):
    """AllenNLP's `load_archive(archive_file, **kwargs)`, after `check_archive(archive_file)`."""
    from allennlp.common.file_utils import cached_path
    from allennlp.models.archival import load_archive

    check_archive(str(cached_path(archive_file)))
    return load_archive(archive_file, **kwargs)
