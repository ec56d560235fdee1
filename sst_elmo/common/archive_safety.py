"""
Extracting model archives (`model.tar.gz`) and other tar files without writing outside the
extraction directory.

AllenNLP's `load_archive` and `cached_path` extract with `tarfile.extractall`, which on its
own follows `../` paths, absolute paths and links. Importing `sst_elmo` calls
`install_extraction_filter`, which makes every tar extraction in the process go through
`safe_extraction_filter`: Python's own PEP 706 `data` filter (`tarfile.data_filter`), plus two
refusals of our own:

- absolute member names (the `data` filter would strip the leading `/`; we refuse them);
- links of any kind. Model archives never hold links, and the `data` filter of Pythons before
  3.10.18 / 3.11.13 / 3.12.11 can be bypassed with chains of symbolic links (CVE-2025-4138,
  CVE-2025-4330, CVE-2025-4517), so no link is extracted at all.

`check_archive` runs the same filter over the member list without extracting anything, so
the project's own loaders (`safe_load_archive`) refuse a bad archive with one line before any
file is written.
"""
import contextlib
import logging
import os
import posixpath
import shutil
import tarfile
import tempfile
from typing import Iterator, List, Optional

from sst_elmo.common.errors import InputError

logger = logging.getLogger(__name__)

# Pythons from 3.8.17, 3.9.17, 3.10.12 and 3.11.4 have PEP 706 filters.
HAS_DATA_FILTER = hasattr(tarfile, "data_filter")


class UnsafeArchiveError(InputError):
    """An archive that could write outside its extraction directory, or is not a tar file."""

    def __init__(self, reason: str, path: Optional[str] = None) -> None:
        self.reason = reason
        super().__init__(reason, path or "<tar archive>")


def _is_absolute(name: str) -> bool:
    return name.startswith(("/", "\\")) or posixpath.isabs(name) or (len(name) > 1 and name[1] == ":")


def safe_extraction_filter(member: tarfile.TarInfo, dest_path: str) -> tarfile.TarInfo:
    """
    A PEP 706 extraction filter: `tarfile.data_filter`, and no absolute names and no links.
    Raises an `UnsafeArchiveError` naming the member. (Not a `tarfile.FilterError`, so that
    `errorlevel=0` cannot turn the refusal into a skipped member.)
    """
    where = f"member {member.name!r}"
    if _is_absolute(member.name):
        raise UnsafeArchiveError(f"{where} has an absolute path")
    if member.issym() or member.islnk():
        raise UnsafeArchiveError(f"{where} is a link (to {member.linkname!r}); links are refused")
    if not HAS_DATA_FILTER:  # pragma: no cover - Pythons without PEP 706
        normalized = posixpath.normpath(member.name.replace("\\", "/"))
        if normalized == ".." or normalized.startswith("../"):
            raise UnsafeArchiveError(f"{where} would be written outside the extraction directory")
        if not (member.isfile() or member.isdir()):
            raise UnsafeArchiveError(f"{where} is a device file or FIFO")
        return member
    try:
        return tarfile.data_filter(member, dest_path)
    except tarfile.OutsideDestinationError:
        raise UnsafeArchiveError(f"{where} would be written outside the extraction directory") from None
    except tarfile.SpecialFileError:
        raise UnsafeArchiveError(f"{where} is a device file or FIFO") from None
    except tarfile.FilterError as error:
        raise UnsafeArchiveError(f"{where}: {error}") from None


def install_extraction_filter() -> None:
    """Makes `safe_extraction_filter` the default of every `TarFile.extractall` in this process."""
    if HAS_DATA_FILTER:
        tarfile.TarFile.extraction_filter = staticmethod(safe_extraction_filter)
    else:  # pragma: no cover
        logger.warning(
            "This Python has no PEP 706 tarfile filters (3.10.12+ has): AllenNLP's own archive "
            "extraction is not protected; use allennlp sst-predict / sst-verify."
        )


def check_archive(path: str) -> List[str]:
    """
    Runs `safe_extraction_filter` over every member of the tar (optionally gzip) archive at
    `path` without extracting anything, and raises an `UnsafeArchiveError` naming the archive
    and the first member that would be refused. Returns the member names.
    """
    if os.path.isdir(path):
        return []  # an already-extracted archive directory: nothing to extract
    try:
        with tarfile.open(path, "r:*") as archive:
            members = archive.getmembers()
    except (tarfile.TarError, EOFError, OSError) as error:
        raise UnsafeArchiveError(f"not a readable tar archive ({error})", path) from None
    with tempfile.TemporaryDirectory(prefix="sst_elmo_check_") as empty:
        for member in members:
            try:
                safe_extraction_filter(member, empty)
            except UnsafeArchiveError as error:
                raise UnsafeArchiveError(error.reason, path) from None
    return [member.name for member in members]


@contextlib.contextmanager
def extracted(path: str) -> Iterator[str]:
    """
    The directory of an archive: `path` itself if it is a directory, else a private temporary
    directory it is extracted into after `check_archive` (removed afterwards).
    """
    if os.path.isdir(path):
        yield path
        return
    check_archive(path)
    directory = tempfile.mkdtemp(prefix="sst_elmo_archive_")
    try:
        with tarfile.open(path, "r:*") as archive:
            if HAS_DATA_FILTER:
                archive.extractall(directory, filter=safe_extraction_filter)
            else:  # pragma: no cover
                archive.extractall(directory)
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def safe_load_archive(archive_file: str, cuda_device: int = -1, overrides="", weights_file: Optional[str] = None):
    """
    AllenNLP's `load_archive`, made safe for an archive from anywhere: the member list is
    checked before extraction (`check_archive`); every `type` in `config.json` (after
    `overrides`) must be a registered name (`check_config_types`); and the weights are read
    first with the restricted unpickler, which accepts only tensors, so the pickle that
    AllenNLP then loads holds nothing else.
    """
    from allennlp.common import Params
    from allennlp.models.archival import CONFIG_NAME, get_weights_path, load_archive

    from sst_elmo.common.config_check import check_config_types
    from sst_elmo.common.file_utils import local_input
    from sst_elmo.common.safe_unpickle import load_state_dict_safely

    local = local_input(archive_file) if not os.path.isdir(str(archive_file)) else str(archive_file)
    with extracted(local) as directory:
        config_path = os.path.join(directory, CONFIG_NAME)
        if not os.path.isfile(config_path):
            raise InputError(f"no {CONFIG_NAME} in the archive", archive_file)
        try:
            params = Params.from_file(config_path, overrides)
        except Exception as error:  # noqa: B902 - a config that does not parse, in one line
            raise InputError(f"{CONFIG_NAME} does not parse ({_one_line(error)})", archive_file) from None
        check_config_types(params.as_dict(quiet=True), f"{archive_file}:{CONFIG_NAME}")
        weights = weights_file or get_weights_path(directory)
        load_state_dict_safely(weights, weights_file or f"{archive_file}:{os.path.basename(weights)}")
        return load_archive(directory, cuda_device=cuda_device, overrides=overrides, weights_file=weights_file)


def _one_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[-1] if lines else type(error).__name__
