"""
Crafted archives against every command that loads one, in a process that imported sst_elmo.

The matrix: 9 crafted archives x (`sst-verify`, `sst-predict`, `allennlp predict`, `allennlp
evaluate`) = 36 runs, each through AllenNLP's own `main`. Every run must stop with one
`InputError` line, with no code run and nothing written outside. The same matrix with the
archive hooks taken out shows which runs they stop: without them, plain `predict` and
`evaluate` run the code of a dotted `dataset_reader.type`, of a pickle in `weights.th`, and of
a pickle in the archive that a `from_archive` model points at.
"""
import contextlib
import json
import os
import sys
import tarfile

import pytest
import torch
from allennlp.commands import main

from sst_elmo.common.errors import InputError
from sst_elmo.safety import archive_hooks
from tests.conftest import FIXTURES, rearchive

COMMANDS = ("sst-verify", "sst-predict", "predict", "evaluate")
# The runs that run code when the archive hooks are out (and only those).
RUN_CODE_WITHOUT_HOOKS = {(name, command) for name in ("dotted_reader", "pickle_weights", "from_archive")
                          for command in ("predict", "evaluate")}


class RunsCode:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def tar_member(name, kind="file", link=""):
    info = tarfile.TarInfo(name)
    if kind == "file":
        return info, b"pwned"
    info.type, info.linkname = {"symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE,
                                "fifo": tarfile.FIFOTYPE}[kind], link
    return info, None


def with_config(run, change):
    config = json.loads((run / "config.json").read_text())
    change(config)
    return json.dumps(config).encode()


def crafted_archives(run, outside, marker):
    """{name: path} of the 9 crafted archives; each writes to `outside` or creates `marker` if it gets its way."""
    # `logging.FileHandler(filename)` creates its file when constructed: code from the config, run at once.
    dotted = {"type": "logging.FileHandler", "filename": str(marker)}
    state = torch.load(run / "best.th")
    torch.save(dict(state, evil=RunsCode(marker)), run / "evil.th")
    extras = {
        "dotdot": [tar_member(f"../{outside.name}/pwned")],
        "absolute": [tar_member(str(outside / "pwned"))],
        "symlink_chain": [tar_member("l1", "symlink", "."), tar_member("l2", "symlink", "l1/.."),
                          tar_member(f"l2/{outside.name}/pwned")],
        "hardlink": [tar_member("h", "hardlink", str(outside / "victim.txt")), tar_member("h")],
        "fifo": [tar_member("pipe", "fifo")],
    }
    paths = {name: rearchive(run, {}, extra, name=f"{name}.tar.gz") for name, extra in extras.items()}
    replaced = {
        "dotted_reader": {"config.json": with_config(run, lambda c: c.update(dataset_reader=dotted))},
        "dotted_model": {"config.json": with_config(run, lambda c: c.update(model=dotted))},
        "from_archive": {"config.json": with_config(
            run, lambda c: c.update(model={"type": "from_archive", "archive_file": str(run / "evil.tar.gz")}))},
        "pickle_weights": {"weights.th": run / "evil.th"},
    }
    paths.update({name: rearchive(run, replace, name=f"{name}.tar.gz") for name, replace in replaced.items()})
    rearchive(run, {"weights.th": run / "evil.th"}, name="evil.tar.gz")  # what from_archive points at
    return paths


def command_line(command, archive, tmp_path):
    out = str(tmp_path / "out.json")
    if command == "sst-verify":
        return ["sst-verify", archive]
    if command == "sst-predict":
        return ["sst-predict", archive, str(FIXTURES / "sentences.jsonl"), "--output-file", out]
    if command == "predict":
        return ["predict", archive, str(FIXTURES / "sentences.jsonl"), "--silent", "--output-file", out]
    return ["evaluate", archive, str(FIXTURES / "data/sst/test.txt"), "--output-file", out]


def run_matrix(archives, outside, marker, tmp_path, monkeypatch, capsys):
    """{(archive, command): (what happened, the error's text)} for the 36 runs."""
    results = {}
    for name, archive in archives.items():
        for command in COMMANDS:
            monkeypatch.setattr(sys, "argv", ["allennlp", *command_line(command, archive, tmp_path)])
            error = None
            try:
                main()
            except Exception as caught:  # noqa: B902 - whatever it was, it is recorded and checked
                error = caught
            capsys.readouterr()
            victim = (outside / "victim.txt").read_text() if (outside / "victim.txt").exists() else None
            escaped = sorted(os.listdir(outside)) != ["victim.txt"] or victim != "intact"
            ran = marker.exists()
            outcome = "ran code" if ran else "wrote outside" if escaped else (
                "refused" if isinstance(error, InputError) else f"other: {type(error).__name__}")
            results[(name, command)] = (outcome, str(error))
            with contextlib.suppress(FileNotFoundError):
                marker.unlink()
            for leftover in set(os.listdir(outside)) - {"victim.txt"}:
                os.unlink(outside / leftover)
            (outside / "victim.txt").write_text("intact")
    return results


@pytest.fixture
def attack(model_archive, tmp_path, monkeypatch):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.txt").write_text("intact")
    (tmp_path / "extract").mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "extract"))  # load_archive's mkdtemp()
    marker = tmp_path / "pwned"
    return crafted_archives(model_archive, outside, marker), outside, marker


def print_matrix(title, results):
    print(f"\n{title}")
    for (name, command), (outcome, text) in sorted(results.items()):
        print(f"  {name:15} {command:12} {outcome:9} {text.split(': ', 1)[-1][:110]}")


def test_no_crafted_archive_runs_code_in_any_command(attack, tmp_path, monkeypatch, capsys):
    archives, outside, marker = attack
    results = run_matrix(archives, outside, marker, tmp_path, monkeypatch, capsys)
    with capsys.disabled():
        print_matrix("with the archive hooks (sst_elmo imported):", results)
    assert len(results) == 36
    assert {key: outcome for key, (outcome, _) in results.items() if outcome != "refused"} == {}
    for (name, command), (_, text) in results.items():
        assert "\n" not in text and text.startswith(("/", "<tar archive>")), (name, command, text)
    assert not (tmp_path / "out.json").exists()


def test_without_the_hooks_plain_predict_and_evaluate_run_code(attack, tmp_path, monkeypatch, capsys):
    """What the hooks prevent: the same matrix with them taken out (the state before them)."""
    archives, outside, marker = attack
    archive_hooks.uninstall_archive_hooks()
    try:
        results = run_matrix(archives, outside, marker, tmp_path, monkeypatch, capsys)
    finally:
        archive_hooks.install_archive_hooks()
    with capsys.disabled():
        print_matrix("without the archive hooks:", results)
    assert {key for key, (outcome, _) in results.items() if outcome == "ran code"} == RUN_CODE_WITHOUT_HOOKS
    assert not any(outcome == "wrote outside" for outcome, _ in results.values())  # the tar filter stays


def test_an_unregistered_type_is_refused_while_loading_even_past_the_config_check(attack, tmp_path, monkeypatch):
    """Defence in depth: with the config walk taken out, name resolution in load_archive still refuses."""
    from sst_elmo.safety import config_check

    archives, outside, marker = attack
    monkeypatch.setattr(config_check, "check_config_types", lambda config, name: None)
    monkeypatch.setattr(sys, "argv", ["allennlp", *command_line("predict", archives["dotted_reader"], tmp_path)])
    with pytest.raises(InputError, match="type 'logging.FileHandler' is not a registered DatasetReader") as error:
        main()
    assert str(error.value).startswith(f"{archives['dotted_reader']}:config.json: ")
    assert not marker.exists()
    # Outside an archive's loading, a dotted name resolves as AllenNLP documents (a user's own config).
    from allennlp.data import DatasetReader

    assert DatasetReader.resolve_class_name("logging.FileHandler")[0].__name__ == "FileHandler"


def train(config, run, *extra):
    overrides = json.dumps({"trainer.num_epochs": 1})
    sys.argv = ["allennlp", "train", config, "-s", str(run), "-o", overrides, *extra]
    main()


@pytest.mark.parametrize("poisoned", ["model_state_e1_b0.th", "training_state_e1_b0.th"])
def test_train_recover_refuses_a_pickle_in_a_checkpoint(fixture_env, tmp_path, monkeypatch, poisoned):
    """`allennlp train --recover` (the project's `atomic` checkpointer) unpickles only tensors and plain data."""
    from tests.conftest import CONFIGS

    monkeypatch.setattr(sys, "argv", sys.argv)
    run, marker = tmp_path / "run", tmp_path / "pwned"
    train(str(CONFIGS / "sst5_lstm.jsonnet"), run)
    state = torch.load(run / poisoned)
    state["evil"] = RunsCode(marker)
    torch.save(state, run / poisoned)
    with pytest.raises(InputError) as error:
        train(str(CONFIGS / "sst5_lstm.jsonnet"), run, "--recover")
    assert str(error.value).startswith(str(run / poisoned)) and "refusing to load posix.system" in str(error.value)
    assert not marker.exists()


def test_a_clean_checkpoint_still_recovers(fixture_env, tmp_path, monkeypatch):
    from allennlp.training.checkpointer import Checkpointer

    from tests.conftest import CONFIGS

    monkeypatch.setattr(sys, "argv", sys.argv)
    run = tmp_path / "run"
    train(str(CONFIGS / "sst5_lstm.jsonnet"), run)
    checkpoint = Checkpointer(str(run)).load_checkpoint()
    assert checkpoint.trainer_state["epochs_completed"] == 1
    assert set(checkpoint.model_state) == set(torch.load(run / "best.th"))
    train(str(CONFIGS / "sst5_lstm.jsonnet"), run, "--recover")  # nothing left to train; it loads and finishes


def test_best_model_and_pretrained_initializer_read_only_tensors(tmp_path, model_archive):
    """The other `torch.load`s of training: `best_model_filename` of a checkpoint, a `pretrained` initializer."""
    from allennlp.nn.initializers import PretrainedModelInitializer
    from allennlp.training import GradientDescentTrainer

    marker = tmp_path / "pwned"
    torch.save({"evil": RunsCode(marker)}, tmp_path / "evil.th")
    trainer = GradientDescentTrainer.__new__(GradientDescentTrainer)
    trainer._ddp_wrapped_model, trainer.model = None, torch.nn.Linear(2, 2)
    with pytest.raises(InputError, match="refusing to load posix.system"):
        trainer._load_model_state(str(tmp_path / "evil.th"))
    torch.save(torch.nn.Linear(2, 2).state_dict(), tmp_path / "ok.th")
    trainer._load_model_state(str(tmp_path / "ok.th"))
    assert torch.equal(trainer.model.weight, torch.load(tmp_path / "ok.th")["weight"])
    evil_archive = rearchive(model_archive, {"weights.th": tmp_path / "evil.th"}, name="evil.tar.gz")
    for weights in (str(tmp_path / "evil.th"), evil_archive):
        with pytest.raises(InputError, match="refusing to load posix.system"):
            PretrainedModelInitializer(weights)
    assert not marker.exists()
    assert set(PretrainedModelInitializer(str(model_archive / "model.tar.gz")).weights) == set(
        torch.load(model_archive / "best.th"))


def test_fine_tuning_from_a_crafted_archive(attack, fixture_env, tmp_path, monkeypatch):
    """AllenNLP 2.10.1 has no `fine-tune` command: a training config with a `from_archive` model does it."""
    from tests.conftest import CONFIGS

    archives, outside, marker = attack
    monkeypatch.setattr(sys, "argv", sys.argv)
    for name, message in [("pickle_weights", "refusing to load posix.system"),
                          ("dotted_reader", "dataset_reader.type: type 'logging.FileHandler' is a dotted path")]:
        overrides = json.dumps({"model": {"type": "from_archive", "archive_file": archives[name]},
                                "trainer.num_epochs": 1})
        sys.argv = ["allennlp", "train", str(CONFIGS / "sst5_elmo.jsonnet"), "-s", str(tmp_path / name),
                    "-o", overrides]
        with pytest.raises(InputError, match=message) as error:
            main()
        assert str(error.value).startswith(archives[name])
    assert not marker.exists()


def test_allennlp_diff_reads_only_tensors(tmp_path, monkeypatch, capsys):
    marker = tmp_path / "pwned"
    torch.save({"weight": torch.ones(2), "evil": RunsCode(marker)}, tmp_path / "evil.th")
    torch.save({"weight": torch.ones(2)}, tmp_path / "ok.th")
    monkeypatch.setattr(sys, "argv", ["allennlp", "diff", str(tmp_path / "ok.th"), str(tmp_path / "evil.th")])
    with pytest.raises(InputError, match="refusing to load posix.system"):
        main()
    assert not marker.exists()
    monkeypatch.setattr(sys, "argv", ["allennlp", "diff", str(tmp_path / "ok.th"), str(tmp_path / "ok.th")])
    main()
    assert "weight" in capsys.readouterr().out


def test_the_opt_out_prints_a_warning_and_installs_nothing(monkeypatch, capsys):
    from allennlp.models import archival

    archive_hooks.uninstall_archive_hooks()
    try:
        monkeypatch.setenv("SST_ELMO_TRUST_ARCHIVES", "1")
        archive_hooks.install_archive_hooks()
        assert "WARNING sst_elmo: SST_ELMO_TRUST_ARCHIVES=1" in capsys.readouterr().err
        assert not archive_hooks.installed()
        assert archival.extracted_archive.__module__ == "allennlp.models.archival"
        monkeypatch.setenv("SST_ELMO_TRUST_ARCHIVES", "yes")  # only "1" opts out
        archive_hooks.install_archive_hooks()
        assert archive_hooks.installed()
    finally:
        archive_hooks.install_archive_hooks()
    assert archive_hooks.installed()


def test_sections_that_loading_never_builds_may_name_unimported_types(model_archive, tmp_path, monkeypatch):
    """A callback from a package imported only for training (`--include-package`) does not stop loading;
    a dotted path is refused in any section."""
    from allennlp.models.archival import load_archive

    def callback(name):
        return with_config(model_archive, lambda config: config["trainer"].update(callbacks=[{"type": name}]))

    path = rearchive(model_archive, {"config.json": callback("only_in_training")})
    assert load_archive(path).model is not None
    path = rearchive(model_archive, {"config.json": callback("logging.FileHandler")})
    with pytest.raises(InputError, match=r"callbacks\[0\].type: type 'logging.FileHandler' is a dotted path"):
        load_archive(path)


def test_the_project_loaders_stay_safe_with_the_hooks_off(attack):
    """`safe_load_archive` (sst-predict, the predictor's from_path) checks by itself, hooks or not."""
    from sst_elmo.safety.archive_safety import safe_load_archive

    archives, outside, marker = attack
    archive_hooks.uninstall_archive_hooks()
    try:
        for name, message in [("pickle_weights", "refusing to load posix.system"),
                              ("dotted_reader", "is a dotted path"), ("from_archive", "loads another archive")]:
            with pytest.raises(InputError, match=message):
                safe_load_archive(archives[name])
    finally:
        archive_hooks.install_archive_hooks()
    assert not marker.exists()


def test_a_transformer_override_weights_file_is_read_as_tensors_only(tmp_path):
    from allennlp.common import cached_transformers

    marker = tmp_path / "pwned"
    torch.save({"evil": RunsCode(marker)}, tmp_path / "evil.th")
    with pytest.raises(InputError, match="refusing to load posix.system"):
        cached_transformers.get("not-downloaded", False, override_weights_file=str(tmp_path / "evil.th"))
    assert not marker.exists()
