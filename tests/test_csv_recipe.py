"""docs/configs.md's "Your own CSV": every reader option documented, and the recipe run as shown."""
import inspect
import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from allennlp.data import DatasetReader

import sst_elmo.dataset_readers as readers
from tests.conftest import FIXTURES, PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "configs.md"
# DatasetReader's own arguments that the plugin's readers set themselves.
NOT_OPTIONS = {
    "self", "kwargs", "manual_distributed_sharding", "manual_multiprocess_sharding", "serialization_dir"
}


def section(text, heading):
    """The text under `### heading` up to the next heading."""
    match = re.search(rf"^### {re.escape(heading)}\n(.*?)(?=^#)", text, re.M | re.S)
    assert match, f"docs/configs.md has no section '### {heading}'"
    return match.group(1)


def options(reader_class):
    names = set()
    for cls in reader_class.__mro__:
        if cls is object or not issubclass(cls, DatasetReader):
            continue
        names |= set(inspect.signature(cls.__init__).parameters) - NOT_OPTIONS
    return names


def test_every_option_of_every_registered_reader_is_documented():
    text = DOC.read_text(encoding="utf-8")
    common = section(text, "Options of every classification reader")
    registered = {
        name: DatasetReader.by_name(name) for name in DatasetReader.list_available()
        if DatasetReader.by_name(name).__module__.startswith("sst_elmo.")
    }
    assert {"sst_trees", "text_csv", "tweets_csv", "sentence_jsonl", "text_corpus"} <= set(registered)
    missing = []
    for name, reader_class in registered.items():
        documented = section(text, f"`{name}`")
        if issubclass(reader_class, readers.ClassificationReader):
            documented += common
            assert f"`{name}`" in common.split("\n\n")[0], f"{name} is not named as a classification reader"
        missing += [f"{name}.{option}" for option in sorted(options(reader_class))
                    if f"`{option}`" not in documented]
    assert missing == []


def recipe_commands():
    block = re.search(r"```bash\n(.*?)```", section(DOC.read_text(encoding="utf-8"), "Your own CSV"), re.S)
    return block.group(1)


@pytest.mark.slow
def test_the_csv_recipe_trains_and_predicts_as_shown(tmp_path, tiny_elmo):
    """
    The recipe's commands, as they stand in the docs, on a 30-row `text,sentiment` CSV (neg/pos),
    for one epoch, with a tiny random ELMo in place of the shipped one (which costs this test
    twice the CPU time; `SST_ELMO_OPTIONS`/`SST_ELMO_WEIGHTS` replace a named ELMo).
    """
    work = tmp_path / "project"
    work.mkdir()
    (work / "configs").symlink_to(PROJECT_ROOT / "configs")
    shutil.copy(PROJECT_ROOT / ".allennlp_plugins", work)
    shutil.copy(FIXTURES / "data/csv/reviews.csv", work / "reviews.csv")
    env = {name: value for name, value in os.environ.items() if not name.startswith("SST_ELMO_")}
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env["PATH"]  # the venv's `allennlp`
    env["SST_ELMO_HP_NUM_EPOCHS"] = "1"  # the config's epoch budget, for a test of seconds
    env["SST_ELMO_OPTIONS"], env["SST_ELMO_WEIGHTS"] = tiny_elmo
    result = subprocess.run(["bash", "-e", "-c", recipe_commands()], cwd=work, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    run = work / "runs/reviews"
    config = json.loads((run / "config.json").read_text())
    for reader in ("dataset_reader", "validation_dataset_reader"):
        assert (config[reader]["label_column"], config[reader]["labels"]) == ("sentiment", ["neg", "pos"])
    assert config["validation_dataset_reader"]["split"] == "validation"
    assert "best_validation_accuracy" in json.loads((run / "metrics.json").read_text())
    rows = [json.loads(line) for line in (run / "new.jsonl").read_text().splitlines()]
    assert len(rows) == 1 and rows[0]["label"] in ("neg", "pos")
    assert set(rows[0]["label_probs"]) == {"neg", "pos"}
