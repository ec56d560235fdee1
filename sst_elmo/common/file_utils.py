"""
Reading input files line by line: local or remote (AllenNLP's `cached_path`), plain or gzip.
"""
import gzip
import io
from typing import Iterator, Tuple

from allennlp.common.file_utils import cached_path

from sst_elmo.common.errors import InputError


def open_text(path: str):
    """
    Opens `path` for reading UTF-8 text. URLs are fetched (and cached) by AllenNLP's
    `cached_path`; a name ending in `.gz` is decompressed on the fly.
    """
    local = cached_path(path)
    if str(local).endswith(".gz"):
        return io.TextIOWrapper(gzip.open(local, "rb"), encoding="utf-8", newline="")
    return open(local, encoding="utf-8", newline="")


def numbered_lines(path: str, skip_blank: bool = True) -> Iterator[Tuple[int, str]]:
    """
    Yields `(line_number, line)` pairs (1-based, trailing newline removed), streaming.

    Invalid UTF-8 and corrupt gzip data raise an `InputError` naming the file and line.
    """
    line_number = 0
    with open_text(path) as handle:
        try:
            for line_number, line in enumerate(handle, start=1):  # noqa: B007
                line = line.rstrip("\r\n")
                if skip_blank and not line.strip():
                    continue
                yield line_number, line
        except UnicodeDecodeError as error:
            raise InputError(f"not valid UTF-8 ({error.reason})", path, line_number + 1) from None
        except (OSError, EOFError) as error:  # gzip.BadGzipFile is an OSError
            raise InputError(f"cannot read compressed data ({error})", path, line_number + 1) from None
