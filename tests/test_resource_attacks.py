"""
Archives and ELMo pairs that try to exhaust disk, memory or time: each is refused early, in one
line, and each case measures what it cost (the bytes tar extraction wrote, the peak of Python's
allocations, numpy's included, and the time). Run with `-s` to see the figures.

Nothing big is written: a decompression bomb is a tar header that declares the size (the
refusal comes before its data is read, so none follows it), or a real stream of zeros against
a lowered limit; big files are sparse.
"""
import gzip
import io
import json
import os
import sys
import tarfile
import time
import tracemalloc

import h5py
import numpy
import pytest
from allennlp.commands import main

from sst_elmo.common.errors import InputError
from sst_elmo.safety.limits import LimitError, limit
from tests.conftest import FIXTURES

GB = 10**9


def crafted_tar_gz(path, run, extra: bytes, replace=None):
    """The members of `run`'s model.tar.gz (with `replace`d ones), then the raw tar bytes `extra`."""
    buffer = io.BytesIO()
    writer = tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT)
    with tarfile.open(run / "model.tar.gz") as source:
        for member in source.getmembers():
            data = (replace or {}).get(member.name)
            data = data if data is not None else (source.extractfile(member).read() if member.isfile() else None)
            if data is not None:
                member.size = len(data)
            writer.addfile(member, io.BytesIO(data) if data is not None else None)
    content = buffer.getvalue() + extra + b"\0" * 1024  # addfile writes at once; then the end of the archive
    with open(path, "wb") as out:
        out.write(gzip.compress(content, compresslevel=1))
    return str(path)


def header(name, size):
    info = tarfile.TarInfo(name)
    info.size = size
    return info.tobuf(format=tarfile.GNU_FORMAT)


class Measured:
    """What a refused run cost: bytes extracted to disk, peak traced memory, seconds, and the error."""

    def __init__(self, run, monkeypatch=None):
        written = []
        original = tarfile.TarFile.makefile

        def counting_makefile(archive, tarinfo, targetpath):
            written.append(tarinfo.size)
            return original(archive, tarinfo, targetpath)

        with pytest.MonkeyPatch.context() as counting:
            counting.setattr(tarfile.TarFile, "makefile", counting_makefile)
            tracemalloc.start()
            start = time.perf_counter()
            try:
                run()
                self.error = None
            except InputError as error:
                self.error = error
            finally:
                self.seconds = time.perf_counter() - start
                self.peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
        self.disk = sum(written)

    def report(self, case, attack_bytes):
        print(f"\n  {case:32} declared {attack_bytes:>15,} B | extracted {self.disk:>9,} B | "
              f"peak memory {self.peak / 2**10:8,.0f} KiB | {self.seconds:5.2f} s | {self.error}",
              file=sys.__stdout__)

    def check(self, case, attack_bytes, message, name, memory_bound=None):
        """
        Refused in one line naming `name`, with less memory than `memory_bound` (default a tenth
        of `attack_bytes`, the bytes the attack declares or would make AllenNLP allocate).
        """
        self.report(case, attack_bytes)
        assert self.error is not None, f"{case} was not refused"
        text = str(self.error)
        assert message in text and "\n" not in text and text.startswith(str(name)), text
        bound = attack_bytes / 10 if memory_bound is None else memory_bound
        assert self.peak < bound, f"{case}: {self.peak:,} bytes of memory"


def plain_predict(archive, tmp_path):
    def run():
        sys.argv = ["allennlp", "predict", str(archive), str(FIXTURES / "sentences.jsonl"), "--silent",
                    "--output-file", str(tmp_path / "out.json")]
        main()

    return run


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """A private extraction directory; plugins imported first, so that their imports are not measured."""
    from allennlp.common.plugins import import_plugins

    import_plugins()
    monkeypatch.setattr(sys, "argv", sys.argv)
    (tmp_path / "extract").mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "extract"))
    return tmp_path


ARCHIVE_CASES = {
    # name: (raw tar bytes after the real members, the bytes they declare, environment, expected message)
    "bomb: a 4 GB member": (lambda: header("weights.bin", 4 * GB), 4 * GB, {},
                            "member 'weights.bin' is 4,000,000,000 bytes"),
    "bomb: 64 MiB of real zeros": (lambda: header("zeros.bin", 64 * 2**20) + bytes(64 * 2**20), 64 * 2**20,
                                   {"SST_ELMO_MAX_ARCHIVE_BYTES": str(8 * 2**20)}, "is 67,108,864 bytes"),
    "bomb: 3 x 4 MiB of zeros, 10 MiB in all allowed": (
        lambda: b"".join(header(f"{name}.bin", 4 * 2**20) + bytes(4 * 2**20) for name in "abc"), 12 * 2**20,
        {"SST_ELMO_MAX_ARCHIVE_BYTES": str(10 * 2**20)}, "bytes (up to 'c.bin')"),
    "100,000 members": (lambda: header("empty.txt", 0) * 100_000, 512 * 100_000, {}, "more than 10,000 members"),
    "a 3 GB vocabulary": (lambda: header("vocabulary/tokens.txt", 3 * GB), 3 * GB, {}, "is 3,000,000,000 bytes"),
    "a 300 MB vocabulary": (lambda: header("vocabulary/tokens.txt", 300 * 10**6), 300 * 10**6, {},
                            "a vocabulary of 300,"),
    "a 50 MB config.json": (lambda: header("config.json", 50 * 10**6), 50 * 10**6, {},
                            "config.json of 50,000,000 bytes"),
}


@pytest.mark.parametrize("case", list(ARCHIVE_CASES))
def test_archive_resource_attacks_through_plain_predict(model_archive, isolated, monkeypatch, case):
    extra, declared, environment, message = ARCHIVE_CASES[case]
    archive = crafted_tar_gz(isolated / "crafted.tar.gz", model_archive, extra())
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    measured = Measured(plain_predict(archive, isolated), monkeypatch)
    measured.check(case, declared, message, archive)
    assert measured.disk == 0 and os.listdir(isolated / "extract") == []
    assert not (isolated / "out.json").exists()


@pytest.mark.parametrize("command", ["predict", "sst-verify", "sst-predict"])
def test_a_config_nested_100000_deep(model_archive, isolated, monkeypatch, command):
    """Refused by counting brackets, before Jsonnet or the JSON parser recurse into it."""
    deep = b"[" * 100_000 + b"]" * 100_000
    archive = crafted_tar_gz(isolated / "deep.tar.gz", model_archive, b"", replace={"config.json": deep})

    def run():
        sys.argv = ["allennlp", command, archive, str(FIXTURES / "sentences.jsonl"), "--output-file",
                    str(isolated / "out.json")][:3 if command == "sst-verify" else None]
        main()

    run = plain_predict(archive, isolated) if command == "predict" else run
    with pytest.raises(InputError):
        run()  # once unmeasured: what the command imports the first time is not the attack's cost
    measured = Measured(run, monkeypatch)
    with tarfile.open(archive) as members:
        unpacked = sum(member.size for member in members)
    measured.check(f"config.json 100,000 deep: {command}", len(deep), "nested 100,000 deep", archive,
                   memory_bound=10 * unpacked)  # memory follows the archive's size, not the depth
    assert "SST_ELMO_MAX_CONFIG_DEPTH" in str(measured.error)


def directory_archive(model_archive, tmp_path):
    directory = tmp_path / "unpacked"
    with tarfile.open(model_archive / "model.tar.gz") as archive:
        archive.extractall(directory)
    return directory


@pytest.mark.parametrize("case", ["sparse 3 GB vocabulary", "sparse 50 MB config.json",
                                  "vocabulary link to /dev/zero", "config.json nested 100,000 deep"])
def test_directory_archive_resource_attacks(model_archive, isolated, monkeypatch, case):
    """An archive given as a directory (as `load_archive` allows) is held to the same limits, by `stat`."""
    directory = directory_archive(model_archive, isolated)
    vocabulary = directory / "vocabulary" / "labels.txt"
    if case == "sparse 3 GB vocabulary":
        os.truncate(vocabulary, 3 * GB)
        declared, message = 3 * GB, "a vocabulary of 3,000,"
    elif case == "sparse 50 MB config.json":
        os.truncate(directory / "config.json", 50 * 10**6)
        declared, message = 50 * 10**6, "config.json of 50,000,000 bytes"
    elif case == "vocabulary link to /dev/zero":
        vocabulary.unlink()
        vocabulary.symlink_to("/dev/zero")
        declared, message = limit("SST_ELMO_MAX_VOCAB_BYTES"), "vocabulary/labels.txt is not a regular file"
    else:
        (directory / "config.json").write_bytes(b"{" + b'"a": [' * 100_000 + b"]" * 100_000 + b"}")
        declared, message = os.path.getsize(directory / "config.json"), "nested 100,001 deep"
    measured = Measured(plain_predict(directory, isolated), monkeypatch)
    deep = case.startswith("config.json nested")  # it could cost recursion; memory stays near the file's size
    measured.check(case, declared, message, directory, memory_bound=10 * declared if deep else None)


def write_weights(path, options, change=None):
    from sst_elmo.elmo.files.hdf5_layout import layout_shapes

    with h5py.File(path, "w") as handle:
        for key, shape in layout_shapes(options).items():
            rows = (261, shape[1]) if key == "char_embed" else shape
            handle.create_dataset(key, data=numpy.zeros(rows, "float32"))
        if change:
            change(handle)
    return str(path)


def options_with(change):
    from sst_elmo.testing.elmo import TINY_OPTIONS

    options = json.loads(json.dumps(TINY_OPTIONS))
    change(options)
    return options


def set_key(section, key, value):
    def change(options):
        options[section][key] = value

    return change


SMALL = 10**6  # what a wrongly typed option would allocate: nothing to speak of; memory must stay under a tenth
OPTIONS_CASES = {
    # name: (change to the tiny options, bytes the options would make AllenNLP allocate, message)
    "lstm.dim 10^9": (set_key("lstm", "dim", 10**9), 4 * 10**9 * 8 * 4, "SST_ELMO_MAX_ELMO_PARAMETERS"),
    "a filter of 10^9 channels": (set_key("char_cnn", "filters", [[1, 10**9]]), 4 * 10**18,
                                  "weights, over the limit"),
    "10^9 highway layers": (set_key("char_cnn", "n_highway", 10**9), 4 * 10**9 * 1000,
                            "SST_ELMO_MAX_ARCHIVE_MEMBERS"),
    "negative projection_dim": (set_key("lstm", "projection_dim", -8), SMALL,
                                "'lstm.projection_dim' must be a positive"),
    "dim as a string": (set_key("lstm", "dim", "4096"), SMALL,
                        "'lstm.dim' must be a positive integer, not '4096'"),
    "n_characters 2.5": (set_key("char_cnn", "n_characters", 2.5), SMALL,
                         "'char_cnn.n_characters' must be a positive"),
    "n_highway as a list": (set_key("char_cnn", "n_highway", [1]), SMALL,
                            "'char_cnn.n_highway' must be an integer"),
    "cell_clip true": (set_key("lstm", "cell_clip", True), SMALL, "'lstm.cell_clip' must be a number"),
    "filters of strings": (set_key("char_cnn", "filters", [[1, "x"]]), SMALL, "'char_cnn.filters' must be a list"),
}


@pytest.mark.parametrize("case", list(OPTIONS_CASES))
def test_absurd_elmo_options(tmp_path, monkeypatch, tiny_elmo, case):
    from sst_elmo.elmo.files.checks import check_elmo_files

    change, allocation, message = OPTIONS_CASES[case]
    options_file = tmp_path / "options.json"
    options_file.write_text(json.dumps(options_with(change)))
    measured = Measured(lambda: check_elmo_files(str(options_file), tiny_elmo[1]), monkeypatch)
    measured.check(f"options.json: {case}", allocation, message, options_file)


def test_big_or_deep_options_files(tmp_path, monkeypatch, tiny_elmo):
    from sst_elmo.elmo.files.checks import check_elmo_files

    big, deep = tmp_path / "big.json", tmp_path / "deep.json"
    big.touch()
    os.truncate(big, 50 * 10**6)
    deep.write_text("[" * 100_000 + "]" * 100_000)
    measured = Measured(lambda: check_elmo_files(str(big), tiny_elmo[1]), monkeypatch)
    measured.check("options.json: sparse 50 MB", 50 * 10**6, "50,000,000 bytes", big)
    assert isinstance(measured.error, LimitError)
    measured = Measured(lambda: check_elmo_files(str(deep), tiny_elmo[1]), monkeypatch)
    measured.check("options.json: nested 100,000 deep", 200_000, "nested 100,000 deep", deep,
                   memory_bound=10 * 200_000)
    assert isinstance(measured.error, LimitError)


def external_storage(handle):
    raw = os.path.join(os.path.dirname(handle.filename), "elsewhere.bin")
    open(raw, "wb").close()
    del handle["CNN_proj/b_proj"]
    handle.create_dataset("CNN_proj/b_proj", shape=(8,), dtype="float32", external=[(raw, 0, 32)])


def nan_at(key, index, value=numpy.nan):
    def change(handle):
        handle[key][index] = value

    return change


def replace_with_link(link):
    def change(handle):
        del handle["CNN_proj/W_proj"]
        handle["CNN_proj/W_proj"] = link

    return change


def replace_dataset(key, **dataset):
    def change(handle):
        del handle[key]
        handle.create_dataset(key, **dataset)

    return change


WEIGHT_CASES = {
    "a NaN weight": (nan_at("CNN_high_0/W_carry", (5, 7)),
                     "CNN_high_0/W_carry: weight (5, 7) is nan (not finite)"),
    "an infinite weight": (nan_at("RNN_1/RNN/MultiRNNCell/Cell1/LSTMCell/B", 3, numpy.inf),
                           "LSTMCell/B: weight (3,) is inf"),
    "a soft link": (replace_with_link(h5py.SoftLink("/CNN_high_0/W_carry")), "CNN_proj/W_proj: a soft link"),
    "an external link": (replace_with_link(h5py.ExternalLink("/etc/other.hdf5", "/x")),
                         "CNN_proj/W_proj: an external link"),
    "a dataset stored in another file": (external_storage, "CNN_proj/b_proj: stored in other files"),
    "integer weights": (replace_dataset("CNN_proj/b_proj", data=[1] * 8), "CNN_proj/b_proj: holds int64"),
    "a wrong shape": (replace_dataset("CNN_proj/b_proj", shape=(9,), dtype="f4"),
                      "CNN_proj/b_proj: shape (9,) does not match"),
}


@pytest.mark.parametrize("case", list(WEIGHT_CASES))
def test_crafted_weight_files(tmp_path, monkeypatch, case):
    from sst_elmo.elmo.files.checks import check_elmo_files
    from sst_elmo.testing.elmo import TINY_OPTIONS

    change, message = WEIGHT_CASES[case]
    options_file = tmp_path / "options.json"
    options_file.write_text(json.dumps(TINY_OPTIONS))
    weights = write_weights(tmp_path / "weights.hdf5", TINY_OPTIONS, change)
    size = os.path.getsize(weights)
    measured = Measured(lambda: check_elmo_files(str(options_file), weights), monkeypatch)
    measured.check(f"weights.hdf5: {case}", size, message, weights, memory_bound=size)


def test_the_finite_check_reads_in_blocks(tmp_path, monkeypatch):
    """A weight file is scanned in blocks of FINITE_CHECK_BLOCK values, so memory does not grow with it."""
    from sst_elmo.elmo.files import checks
    from sst_elmo.testing.elmo import TINY_OPTIONS

    options = options_with(set_key("lstm", "dim", 4096))  # W_0: (16, 16384), 262,144 values
    monkeypatch.setattr(checks, "FINITE_CHECK_BLOCK", 1024)
    options_file = tmp_path / "options.json"
    options_file.write_text(json.dumps(options))
    weights = write_weights(tmp_path / "weights.hdf5", options, nan_at("RNN_0/RNN/MultiRNNCell/Cell0/LSTMCell/W_0",
                                                                       (15, 16383)))
    tracemalloc.start()
    with pytest.raises(InputError, match=r"W_0: weight \(15, 16383\) is nan"):
        checks.check_elmo_files(str(options_file), weights)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 16 * 16384 * 4 / 4, f"{peak:,} bytes: the whole dataset was read at once"
    assert TINY_OPTIONS["lstm"]["dim"] == 16  # the shared options were not changed


def test_meta_json_is_held_to_the_same_limits(model_archive, isolated, monkeypatch):
    """`load_archive` parses meta.json too: a big or deep one is refused like config.json."""
    deep = b"[" * 100_000 + b"]" * 100_000
    cases = [(crafted_tar_gz(isolated / "big.tar.gz", model_archive, header("meta.json", 50 * 10**6)),
              "meta.json of 50,000,000 bytes"),
             (crafted_tar_gz(isolated / "deep.tar.gz", model_archive, header("meta.json", len(deep)) + deep
                             + b"\0" * (-len(deep) % 512)), "meta.json: nested 100,000 deep")]
    for archive, message in cases:
        measured = Measured(plain_predict(archive, isolated), monkeypatch)
        measured.check(f"meta.json: {message}", 50 * 10**6, message, archive)
