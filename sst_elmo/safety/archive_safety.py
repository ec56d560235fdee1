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

The filter also refuses a member bigger than `SST_ELMO_MAX_ARCHIVE_BYTES`
(`sst_elmo.safety.limits`), as its header declares it, before a byte of it is written.

`check_archive` runs the same filter over the member list without extracting anything, and
bounds the members' number and sizes (`limits`), stopping at the first header over a limit, so
a decompression bomb is refused after reading its first header. `sst_elmo.safety.archive_hooks`
runs it before AllenNLP's `load_archive` extracts anything, and the project's own loaders
(`safe_load_archive`) do the same: a bad archive is refused with one line before any file is
written.
"""
import contextlib
import logging
import os
import posixpath
import shutil
import stat
import tarfile
import tempfile
import zlib
from typing import Any, Dict, Iterator, List, Optional

from sst_elmo.common.errors import InputError
from sst_elmo.safety.limits import LimitError, limit

logger = logging.getLogger(__name__)

# The JSON files of an archive that AllenNLP parses (held to SST_ELMO_MAX_CONFIG_BYTES and _DEPTH).
JSON_MEMBERS = ("config.json", "meta.json")
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
    if member.size > limit("SST_ELMO_MAX_ARCHIVE_BYTES"):
        raise LimitError(f"{where} is {member.size:,} bytes", "SST_ELMO_MAX_ARCHIVE_BYTES")
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
    and the first member that would be refused, or a `LimitError` at the first member over a
    limit of `sst_elmo.safety.limits` (members, their bytes, `vocabulary/` and `config.json`).
    Headers are read one at a time, so a refusal comes as soon as its header is read. Returns
    the member names.
    """
    if os.path.isdir(path):
        return []  # an already-extracted archive directory: nothing to extract
    names: List[str] = []
    try:
        with tarfile.open(path, "r:*") as archive, tempfile.TemporaryDirectory(prefix="sst_elmo_check_") as empty:
            sizes = _MemberSizes(path)
            for member in archive:  # lazily, header by header
                try:
                    safe_extraction_filter(member, empty)
                except UnsafeArchiveError as error:
                    raise UnsafeArchiveError(error.reason, path) from None
                except LimitError as error:
                    raise LimitError(error.what, error.variable, path) from None
                sizes.add(member)
                names.append(member.name)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        raise UnsafeArchiveError(f"not a readable tar archive ({error})", path) from None
    return names


class _MemberSizes:
    """Adds up an archive's members as they are read, and refuses the first one over a limit."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.members = self.total = self.vocabulary = 0
        self.limits = {name: limit(name) for name in (
            "SST_ELMO_MAX_ARCHIVE_MEMBERS", "SST_ELMO_MAX_ARCHIVE_BYTES", "SST_ELMO_MAX_VOCAB_BYTES",
            "SST_ELMO_MAX_CONFIG_BYTES")}

    def _over(self, variable: str, value: int) -> bool:
        return value > self.limits[variable]

    def add(self, member: tarfile.TarInfo) -> None:
        self.members += 1
        self.total += member.size
        name = posixpath.normpath(member.name)
        if name.startswith("vocabulary/"):
            self.vocabulary += member.size
        if self._over("SST_ELMO_MAX_ARCHIVE_MEMBERS", self.members):
            raise LimitError(f"more than {self.members - 1:,} members", "SST_ELMO_MAX_ARCHIVE_MEMBERS", self.path)
        if self._over("SST_ELMO_MAX_ARCHIVE_BYTES", self.total):
            raise LimitError(f"members of {self.total:,} bytes (up to {member.name!r})",
                             "SST_ELMO_MAX_ARCHIVE_BYTES", self.path)
        if self._over("SST_ELMO_MAX_VOCAB_BYTES", self.vocabulary):
            raise LimitError(f"a vocabulary of {self.vocabulary:,} bytes (up to {member.name!r})",
                             "SST_ELMO_MAX_VOCAB_BYTES", self.path)
        if name in JSON_MEMBERS and self._over("SST_ELMO_MAX_CONFIG_BYTES", member.size):
            raise LimitError(f"{name} of {member.size:,} bytes", "SST_ELMO_MAX_CONFIG_BYTES", self.path)


def check_archive_directory(directory: str, name: Optional[str] = None) -> None:
    """
    The checks of `check_archive` for an extracted (or never packed) archive `directory`:
    `config.json`, the weights and every file under `vocabulary/` must be regular files (not
    links, devices or FIFOs), within the limits. A `LimitError` or `InputError` naming `name`.
    """
    name = name or directory
    vocabulary = os.path.join(directory, "vocabulary")
    files = [os.path.join(directory, member) for member in (*JSON_MEMBERS, "weights.th", "best.th")]
    if os.path.isdir(vocabulary) and not os.path.islink(vocabulary):
        files += [entry.path for entry in os.scandir(vocabulary)]
    elif os.path.lexists(vocabulary):
        raise InputError("vocabulary is not a directory", name)
    if len(files) > limit("SST_ELMO_MAX_ARCHIVE_MEMBERS"):
        raise LimitError(f"{len(files):,} files", "SST_ELMO_MAX_ARCHIVE_MEMBERS", name)
    total = vocabulary_bytes = 0
    for path in files:
        if not os.path.lexists(path):
            continue
        where = os.path.relpath(path, directory)
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{where} is not a regular file (a link, directory, device or FIFO)", name)
        total += info.st_size
        vocabulary_bytes += info.st_size if where.startswith("vocabulary") else 0
        if where in JSON_MEMBERS and info.st_size > limit("SST_ELMO_MAX_CONFIG_BYTES"):
            raise LimitError(f"{where} of {info.st_size:,} bytes", "SST_ELMO_MAX_CONFIG_BYTES", name)
    if vocabulary_bytes > limit("SST_ELMO_MAX_VOCAB_BYTES"):
        raise LimitError(f"a vocabulary of {vocabulary_bytes:,} bytes", "SST_ELMO_MAX_VOCAB_BYTES", name)
    if total > limit("SST_ELMO_MAX_ARCHIVE_BYTES"):
        raise LimitError(f"files of {total:,} bytes", "SST_ELMO_MAX_ARCHIVE_BYTES", name)


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


# Archive names by the directory an archive was extracted to, for errors about its files.
_NAMES: Dict[str, str] = {}


def name_archive(directory: str, name: str) -> None:
    """Errors about the files of the extracted archive at `directory` will name `name`."""
    _NAMES[os.path.abspath(directory)] = str(name)


def archive_name(directory: str) -> str:
    """The name given to `directory` by `name_archive`, else the directory."""
    return _NAMES.get(os.path.abspath(directory), os.path.abspath(directory))


def forget_archive_name(directory: str) -> None:
    _NAMES.pop(os.path.abspath(directory), None)


def read_archive_config(params_file: str, overrides: Any = "", ext_vars: Optional[dict] = None):
    """
    An archive's `config.json` as AllenNLP's `Params` (`overrides` applied), after the archive
    directory, the file's size and nesting, and every `type` in it have been checked. Errors
    name the archive (not its temporary directory).
    """
    from allennlp.common import Params

    from sst_elmo.safety.config_check import check_config_types
    from sst_elmo.safety.limits import read_json_within_limits

    directory = os.path.abspath(os.path.dirname(params_file))
    name = _NAMES.pop(directory, directory)
    where = f"{name}:{os.path.basename(params_file)}"
    check_archive_directory(directory, name)
    read_json_within_limits(params_file, where)
    if os.path.isfile(os.path.join(directory, "meta.json")):  # load_archive parses it too, with json.load
        read_json_within_limits(os.path.join(directory, "meta.json"), f"{name}:meta.json")
    try:
        params = Params.from_file(params_file, overrides, ext_vars)
    except Exception as error:  # noqa: B902 - a config that does not parse (or bad overrides), in one line
        raise InputError(f"does not parse ({_one_line(error)})", where) from None
    check_config_types(params.as_dict(quiet=True), where)
    _NAMES[directory] = name  # for the errors of the readers and the model built next
    return params


def safe_load_archive(archive_file: str, cuda_device: int = -1, overrides="", weights_file: Optional[str] = None):
    """
    AllenNLP's `load_archive`, made safe for an archive from anywhere, whether or not
    `SST_ELMO_TRUST_ARCHIVES=1` turned the process-wide hooks off: the member list is checked
    before extraction (`check_archive`); the extracted files, `config.json`'s size and nesting
    and every `type` in it (after `overrides`) are checked (`read_archive_config`);
    and the weights are read with the restricted unpickler, which accepts only tensors.
    """
    from allennlp.models.archival import CONFIG_NAME, get_weights_path, load_archive
    from allennlp.nn import util as nn_util

    from sst_elmo.common.file_utils import local_input
    from sst_elmo.safety.safe_unpickle import load_state_dict_safely

    local = local_input(archive_file) if not os.path.isdir(str(archive_file)) else str(archive_file)
    with extracted(local) as directory:
        config_path = os.path.join(directory, CONFIG_NAME)
        if not os.path.isfile(config_path):
            raise InputError(f"no {CONFIG_NAME} in the archive", archive_file)
        name_archive(directory, archive_file)
        read_archive_config(config_path, overrides)
        if not getattr(nn_util.read_state_dict, "tensors_only", False):  # else load_archive reads them so
            weights = weights_file or get_weights_path(directory)
            load_state_dict_safely(weights, weights_file or f"{archive_file}:{os.path.basename(weights)}")
        name_archive(directory, archive_file)
        return load_archive(directory, cuda_device=cuda_device, overrides=overrides, weights_file=weights_file)


def _one_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[-1] if lines else type(error).__name__
