"""
Limits on what a file from elsewhere (a model archive, an ELMo options/weights pair) may cost
in disk, memory and time before it is refused.

Every limit has a default that fits any archive or ELMo this project makes with room to
spare, and an environment variable that overrides it (a plain integer; `_` separators are
allowed, as in `SST_ELMO_MAX_ARCHIVE_BYTES=8_000_000_000`):

- `SST_ELMO_MAX_ARCHIVE_BYTES` (2 GiB): the members of one archive together, as their tar
  headers declare them, before anything is extracted; also any one member of any tar
  extraction in the process;
- `SST_ELMO_MAX_ARCHIVE_MEMBERS` (10,000): the members of one archive, and the datasets an ELMo
  `options.json` asks for;
- `SST_ELMO_MAX_VOCAB_BYTES` (256 MiB): the files under an archive's `vocabulary/` together;
- `SST_ELMO_MAX_CONFIG_BYTES` (1 MiB): an archive's `config.json`, an ELMo `options.json`;
- `SST_ELMO_MAX_CONFIG_DEPTH` (100): how deeply lists and objects nest in them;
- `SST_ELMO_MAX_ELMO_PARAMETERS` (500,000,000): the weights an ELMo `options.json` asks for
  (the published ELMo models have up to 94 million).

`limit(name)` reads the variable each time, so a test or a user can change it in a running process.
"""
import os
import re
from typing import Any, Dict, Optional

from sst_elmo.common.errors import InputError

DEFAULTS: Dict[str, int] = {
    "SST_ELMO_MAX_ARCHIVE_BYTES": 2 * 1024**3,
    "SST_ELMO_MAX_ARCHIVE_MEMBERS": 10_000,
    "SST_ELMO_MAX_VOCAB_BYTES": 256 * 1024**2,
    "SST_ELMO_MAX_CONFIG_BYTES": 1024**2,
    "SST_ELMO_MAX_CONFIG_DEPTH": 100,
    "SST_ELMO_MAX_ELMO_PARAMETERS": 500_000_000,
}


class LimitError(InputError):
    """A file that would cost more than a limit of `sst_elmo.safety.limits` allows."""

    def __init__(self, what: str, variable: str, path: Optional[str] = None) -> None:
        self.what, self.variable = what, variable
        super().__init__(f"{what}, over the limit of {limit(variable):,} ({variable})", path)


def limit(variable: str) -> int:
    """The value of the limit `variable`: its environment variable if set, else its default."""
    text = os.environ.get(variable, "").strip()
    if not text:
        return DEFAULTS[variable]
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"{variable}={text!r} is not an integer", "environment") from None
    if value < 0:
        raise InputError(f"{variable}={text!r} is negative", "environment")
    return value


def check_size(path: str, variable: str, name: Optional[str] = None) -> int:
    """The size of the file at `path`; a `LimitError` naming `name` if it is over `variable`."""
    size = os.stat(path).st_size
    if size > limit(variable):
        raise LimitError(f"{size:,} bytes", variable, name or path)
    return size


def json_depth(text: str) -> int:
    """
    How deeply the lists and objects of the JSON `text` nest, counted without parsing or
    recursion (brackets inside strings do not count). Linear in the length of `text`.
    """
    depth = deepest = 0
    for match in _BRACKETS_OUTSIDE_STRINGS.finditer(text):
        if match.group() in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif match.group() in ("]", "}"):
            depth -= 1
    return deepest


# A JSON string (skipped as one match), or one bracket.
_BRACKETS_OUTSIDE_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)


def read_json_within_limits(path: str, name: Optional[str] = None) -> Any:
    """
    The JSON value in the file at `path`, read only after its size (`SST_ELMO_MAX_CONFIG_BYTES`)
    and its nesting (`SST_ELMO_MAX_CONFIG_DEPTH`) are checked; one `InputError` naming `name`
    (default `path`) if it is over a limit, not UTF-8 or not JSON.
    """
    import json

    name = name or path
    check_size(path, "SST_ELMO_MAX_CONFIG_BYTES", name)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except UnicodeDecodeError as error:
        raise InputError(f"not UTF-8 ({error.reason})", name) from None
    depth = json_depth(text)
    if depth > limit("SST_ELMO_MAX_CONFIG_DEPTH"):
        raise LimitError(f"nested {depth:,} deep", "SST_ELMO_MAX_CONFIG_DEPTH", name)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"not JSON ({error})", name) from None
