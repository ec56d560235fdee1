"""
Reading input files line by line: local or remote (AllenNLP's `cached_path`), plain or gzip.
"""
import contextlib
import csv
import glob
import gzip
import hashlib
import json
import os
import re
import tempfile
from typing import IO, Any, BinaryIO, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from allennlp.common.file_utils import cached_path

from sst_elmo.common.errors import InputError


def local_input(path: str) -> str:
    """
    The local path of an input file: a URL is fetched (and cached) by AllenNLP's
    `cached_path`; a missing path or a directory is an `InputError`, not a traceback.
    """
    path = str(path)
    if "://" not in path:
        if not os.path.exists(path):
            raise InputError("no such file", path)
        if os.path.isdir(path):
            raise InputError("is a directory, not a file", path)
    return str(cached_path(path))


def decoded_lines(path: str) -> Iterator[str]:
    """
    Yields the lines of `path` as text, streaming. URLs are fetched (and cached) by
    AllenNLP's `cached_path`; a name ending in `.gz` is decompressed on the fly.

    Each line is decoded on its own, so invalid UTF-8 or corrupt gzip data raise an
    `InputError` with the exact line number. A UTF-8 byte order mark at the start is dropped.
    """
    local = local_input(path)
    opener = gzip.open if local.endswith(".gz") else open
    line_number = 0
    with opener(local, "rb") as handle:
        try:
            for line_number, raw in enumerate(handle, start=1):  # noqa: B007
                yield raw.decode("utf-8-sig" if line_number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            raise InputError(f"not valid UTF-8 ({error.reason})", path, line_number) from None
        except (OSError, EOFError) as error:  # gzip.BadGzipFile is an OSError
            raise InputError(f"cannot read compressed data ({error})", path, line_number + 1) from None


def numbered_lines(path: str, skip_blank: bool = True) -> Iterator[Tuple[int, str]]:
    """Yields `(line_number, line)` pairs (1-based, line ending removed) of `decoded_lines`."""
    for line_number, line in enumerate(decoded_lines(path), start=1):
        line = line.rstrip("\r\n")
        if skip_blank and not line.strip():
            continue
        yield line_number, line


def csv_records(path: str, multiline: bool = True) -> Iterator[Tuple[int, List[str]]]:
    """
    Yields `(line_number, fields)` for each non-blank CSV record (the header included),
    numbered by the record's first line. A quoted field may span lines; with
    `multiline=False` that is an `InputError` instead (most often it is an unterminated
    quote, which swallows every following row).
    """
    lines = decoded_lines(path)
    records = csv.reader(lines)
    last_line = 0
    try:
        for fields in records:
            first_line, last_line = last_line + 1, records.line_num
            if last_line > first_line and not multiline:
                raise InputError(
                    f"a quoted field runs over lines {first_line}-{last_line} (an unterminated quote?)",
                    path, first_line,
                )
            if fields:
                yield first_line, fields
    except csv.Error as error:
        raise InputError(f"malformed CSV ({error})", path, records.line_num) from None


def csv_with_header(
    path: str, required_columns: Sequence[str] = (), multiline: bool = True
) -> Tuple[List[str], Iterator[Tuple[int, Dict[str, str]]]]:
    """
    Reads the header of the CSV file at `path` at once and returns it with an iterator over
    the records that follow, each as `(line_number, {column: value})` (numbered as in
    `csv_records`). Raises an `InputError` naming the header's line when a `required_columns`
    is missing (an empty file has an empty header), and, while iterating, naming the record's
    line when it has more or fewer fields than the header. `multiline` as in `csv_records`.
    """
    records = csv_records(path, multiline)
    header_line, header = next(records, (1, []))
    for column in required_columns:
        if column not in header:
            raise InputError(f"no {column!r} column in the header {','.join(header)!r}", path, header_line)

    def rows() -> Iterator[Tuple[int, Dict[str, str]]]:
        for line_number, fields in records:
            if len(fields) != len(header):
                more_or_fewer = "more" if len(fields) > len(header) else "fewer"
                raise InputError(f"{more_or_fewer} columns than the header", path, line_number)
            yield line_number, dict(zip(header, fields))

    return header, rows()


def stream_sha256(handle: BinaryIO) -> str:
    """The sha256 hex digest of what is left to read in a binary file object."""
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


def file_sha256(path: str) -> str:
    """The sha256 hex digest of a (local or cached remote) file's bytes."""
    with open(cached_path(path), "rb") as handle:
        return stream_sha256(handle)


PARTIAL_SUFFIX = ".partial"


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def publish(temporary: str, path: str, sync: bool = False) -> None:
    """
    Renames the finished file `temporary` to `path` with `os.replace` (atomic within a file
    system), after flushing its bytes to disk when `sync`, so that a crash just after the
    rename cannot leave an empty or truncated file under `path`.
    """
    if sync:
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
    os.replace(temporary, path)


@contextlib.contextmanager
def atomic_file(path: str, mode: str = "wb", sync: bool = False, suffix: str = PARTIAL_SUFFIX) -> Iterator[IO]:
    """
    A file object for writing `path` all or nothing, the one way the project writes files: it
    writes `PATH.XXXX.partial` beside `path` (with the permissions `open` would give, i.e.
    following the umask, not `mkstemp`'s 0600), optionally syncs it, and renames it to `path`
    (`publish`) when the block ends without an error. On an error or interrupt the partial file
    is removed; a `SIGKILL` can leave one, which `remove_partials(path)` deletes.

    # Parameters

    path : `str`
        The file to write; its directory is created if needed.
    mode : `str`, optional (default = `"wb"`)
        `"w"` for text; `"w+b"` for writers that also read and seek (`h5py.File`).
    sync : `bool`, optional (default = `False`)
        `fsync` the file before the rename (checkpoints, exports).
    suffix : `str`, optional (default = `".partial"`)
        Ends the temporary file's name, so that leftovers can be recognised by pattern.
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=os.path.basename(path) + ".", suffix=suffix)
    try:
        os.chmod(temporary, 0o666 & ~current_umask())
        with os.fdopen(handle, mode) as out:
            yield out
            if sync:
                out.flush()
                os.fsync(out.fileno())
        publish(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def remove_partials(path: str) -> List[str]:
    """Deletes the `atomic_file` leftovers of `path` (from a killed run); returns their names."""
    leftovers = glob.glob(glob.escape(os.path.abspath(path)) + ".*" + PARTIAL_SUFFIX)
    for leftover in leftovers:
        os.remove(leftover)
    return leftovers


def atomic_write(path: str, data: Union[str, bytes]) -> None:
    """Writes `path` through `atomic_file`: never half-written."""
    with atomic_file(path) as out:
        out.write(data.encode("utf-8") if isinstance(data, str) else data)


_EPOCH_FILE = re.compile(r"metrics_epoch_(\d+)\.json$")
METRICS_NAME = "metrics.json"


def final_metrics(serialization_dir: str) -> Dict[str, Any]:
    """The `metrics.json` that `allennlp train` writes at the end of a run."""
    with open(os.path.join(serialization_dir, METRICS_NAME), encoding="utf-8") as handle:
        return json.load(handle)


def has_checkpoint(serialization_dir: str) -> bool:
    """Whether an `allennlp train` run in `serialization_dir` saved a training state to `--recover` from."""
    if not os.path.isdir(serialization_dir):
        return False
    return any(name.startswith("training_state_") for name in os.listdir(serialization_dir))


def epoch_metrics(serialization_dir: str) -> List[Dict[str, Any]]:
    """The `metrics_epoch_*.json` files of a serialization directory, by epoch."""
    found = []
    for name in glob.glob(os.path.join(glob.escape(serialization_dir), "metrics_epoch_*.json")):
        match = _EPOCH_FILE.search(name)
        if match:
            with open(name) as handle:
                found.append((int(match.group(1)), json.load(handle)))
    return [metrics for _, metrics in sorted(found, key=lambda item: item[0])]


_DURATION = re.compile(r"^(?:(\d+) days?, )?(\d+):(\d+):(\d+(?:\.\d*)?)$")


def duration_seconds(text: Optional[str]) -> Optional[float]:
    """AllenNLP's `training_duration` (`"0:03:33.99"`, `"1 day, 2:00:00"`) in seconds."""
    match = _DURATION.match(text or "")
    if not match:
        return None
    days, hours, minutes, seconds = match.groups()
    return int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + float(seconds)
