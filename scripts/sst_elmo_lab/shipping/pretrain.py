"""
Pre-training an ELMo and measuring it, end to end (the engine of `scripts/pretrain_elmo.py`):

1. `train`: `allennlp train CONFIG` (default `configs/pretrain/cpu_small.jsonnet`, IMDB's
   unlabelled reviews), with `--recover` when an interrupted run is found; skipped when the
   archive exists. `best_so_far` archives the best epoch of a run that was stopped early
   instead, as AllenNLP would have archived it. `snapshot` archives the latest checkpoint of a
   run, running or stopped, mid-epoch included, into a directory of its own, where the other
   stages then measure it (its words are those of the training clock at that checkpoint).
2. `export`: `allennlp elmo-export` to `RUN/elmo` (`options.json`, `weights.hdf5`,
   `vocab.txt`, `softmax.hdf5`).
3. `heldout`: perplexity (full softmax) with `allennlp evaluate` on 500 reviews of IMDB's
   labelled *test* file (never read in pre-training; `--imdb-heldout train` for the train
   file) and on the SST dev + test sentences, with their out-of-vocabulary rates.
4. `export_check`: the SST held-out perplexity again, from the export re-loaded into
   `elmo_bilm`: the exported files are the trained biLM when the two agree.
5. `report`: training throughput (words/s) and the held-out results in `RUN/report.json`
   and `RUN/report.md`.

Every stage is skipped when its output exists, so running again resumes.
"""
import argparse
import glob
import gzip
import json
import os
import re
import shutil
import sys
from typing import Any, Dict, List, Optional, Tuple

from sst_elmo.common.file_utils import METRICS_NAME, atomic_write, duration_seconds, epoch_metrics, final_metrics
from sst_elmo.common.launch import allennlp_command, run_logged, train_command

SNAPSHOT_NAME = "snapshot.json"
_MODEL_STATE = re.compile(r"model_state_e(\d+)_b(\d+)\.th$")
DEFAULT_CONFIG = "configs/pretrain/cpu_small.jsonnet"
DEFAULT_RUN_DIR = "runs/pretrain/cpu_small"


class StageFailed(Exception):
    """An `allennlp` command of a stage exited with an error; the message names its log."""


def _run(command: List[str], log: str, cwd: Optional[str] = None) -> None:
    """Runs an `allennlp` command with its output appended to `log`; `StageFailed` on an error."""
    print("+", " ".join(command[2:]), f"> {log}", flush=True)
    status = run_logged(command, log, append=True, cwd=cwd)
    if status != 0:
        raise StageFailed(f"allennlp {command[3]} failed with status {status}; see {log}")


def train(config: str, run_dir: str, best_so_far: bool = False, cwd: Optional[str] = None) -> str:
    """
    Trains `config` into `run_dir` (log in `run_dir.log`), continuing an interrupted run with
    `--recover`; with `best_so_far`, archives the best epoch of a stopped run instead. Returns
    what it did: `"skipped"`, `"archived"` or `"trained"`.
    """
    # AllenNLP also archives the best epoch so far when training is interrupted (Ctrl-C,
    # SIGTERM), without `metrics.json`: only both together mean that training finished.
    if all(os.path.exists(os.path.join(run_dir, name)) for name in ("model.tar.gz", METRICS_NAME)):
        print(f"train: {run_dir} finished training (model.tar.gz, {METRICS_NAME}), skipped")
        return "skipped"
    if best_so_far:
        # A run stopped early (e.g. out of time): archive its best epoch so far, exactly as
        # AllenNLP archives a finished run (best.th, config, vocabulary).
        from allennlp.models.archival import archive_model

        if not os.path.exists(os.path.join(run_dir, "best.th")):
            raise StageFailed(f"{run_dir} has no best.th to archive yet")
        archive_model(run_dir)
        print(f"train: archived the best epoch so far of the stopped run {run_dir}")
        return "archived"
    saved_config = os.path.join(run_dir, "config.json")
    recover = os.path.exists(saved_config)
    if recover:
        # `--recover` refuses a config that differs from the run's own (e.g. after an edit of
        # configs/pretrain/): an interrupted run always continues with the config it started with.
        print(f"train: continuing the interrupted run {run_dir} with its own config.json")
        config = saved_config
        quick_recovery(run_dir)
    os.makedirs(os.path.dirname(os.path.abspath(run_dir)), exist_ok=True)
    _run(train_command(config, run_dir, recover=recover), run_dir.rstrip("/") + ".log", cwd)
    return "trained"


def latest_checkpoint(run_dir: str) -> Optional[Tuple[int, int]]:
    """
    `(epochs_completed, batches_in_epoch_completed)` of the latest complete checkpoint in
    `run_dir` (both its `model_state_*` and `training_state_*` files exist), or `None`.
    """
    points = []
    for path in glob.glob(os.path.join(glob.escape(run_dir), "model_state_e*_b*.th")):
        match = _MODEL_STATE.search(os.path.basename(path))
        point = match and (int(match.group(1)), int(match.group(2)))
        if point and os.path.isfile(os.path.join(run_dir, _checkpoint_files(point)[0])):
            points.append(point)
    return max(points, default=None)


def _checkpoint_files(point: Tuple[int, int]) -> List[str]:
    """The training state and model state file names of a checkpoint, as AllenNLP's `Checkpointer` names them."""
    return [f"{kind}_e{point[0]}_b{point[1]}.th" for kind in ("training_state", "model_state")]


def _clock_state(training_state: Dict[str, Any], where: str) -> Dict[str, float]:
    """The `training_clock` callback's words and seconds so far, from a checkpoint's training state."""
    for state in training_state.get("callbacks") or []:
        if isinstance(state, dict) and {"totals", "epoch"} <= set(state):
            return {key: state["totals"][key] + state["epoch"][key] for key in ("words", "seconds")}
    raise StageFailed(f"{where} has no training_clock state: its words cannot be counted")


def snapshot(run_dir: str, snapshot_dir: str, attempts: int = 3) -> Dict[str, Any]:
    """
    Archives the latest checkpoint of the run in `run_dir` (running or stopped; mid-epoch
    included) as `snapshot_dir/model.tar.gz` with the run's config, vocabulary and finished
    epochs' metrics, and writes `snapshot_dir/snapshot.json` (written last: the snapshot is
    complete when it exists) with the checkpoint's place and the words and seconds of the
    training clock there. The run itself is only read. Returns the `snapshot.json` content.
    A checkpoint that a running trainer prunes while it is copied is replaced by the next one.
    """
    from allennlp.models.archival import archive_model

    from sst_elmo.safety.safe_unpickle import restricted_load

    done = os.path.join(snapshot_dir, SNAPSHOT_NAME)
    if os.path.exists(done):
        print(f"snapshot: {snapshot_dir} exists, skipped")
        with open(done, encoding="utf-8") as handle:
            return json.load(handle)
    os.makedirs(snapshot_dir, exist_ok=True)
    for _ in range(attempts):
        point = latest_checkpoint(run_dir)
        if point is None:
            raise StageFailed(f"{run_dir} has no complete checkpoint to snapshot yet")
        names = _checkpoint_files(point)
        try:
            for name in names:
                shutil.copyfile(os.path.join(run_dir, name), os.path.join(snapshot_dir, name))
            break
        except FileNotFoundError:  # pruned by the running trainer meanwhile: take the next one
            continue
    else:
        raise StageFailed(f"{run_dir}: its checkpoints kept changing while they were copied")
    training_state_copy, model_state_copy = (os.path.join(snapshot_dir, name) for name in names)
    clock = _clock_state(restricted_load(training_state_copy, training_state=True), names[0])
    # The finished epochs' metrics carry their validation perplexity and clock.
    for name in ("config.json", "meta.json", *(f"metrics_epoch_{epoch}.json" for epoch in range(point[0]))):
        if os.path.exists(os.path.join(run_dir, name)):
            shutil.copyfile(os.path.join(run_dir, name), os.path.join(snapshot_dir, name))
    shutil.copytree(os.path.join(run_dir, "vocabulary"), os.path.join(snapshot_dir, "vocabulary"),
                    dirs_exist_ok=True)
    archive_model(snapshot_dir, weights=names[1], archive_path=os.path.join(snapshot_dir, "model.tar.gz"))
    for path in (training_state_copy, model_state_copy):
        os.remove(path)
    result = {"run_dir": os.path.abspath(run_dir), "checkpoint": names[1], "epochs_completed": point[0],
              "batches_in_epoch_completed": point[1], **clock}
    atomic_write(done, json.dumps(result, indent=2))
    print(f"snapshot: {names[1]} of {run_dir} archived in {snapshot_dir} "
          f"({clock['words']:,.0f} words in {clock['seconds'] / 3600:.2f} h)")
    return result


def quick_recovery(run_dir: str) -> List[str]:
    """
    Makes `--recover` of the interrupted run in `run_dir` start in seconds rather than minutes,
    by two changes to its `config.json` (atomically, each said on stdout; returns them):

    - `vocabulary` becomes `{"type": "from_files"}` of `run_dir/vocabulary`, which AllenNLP
      saved when the run started, so the corpus is not counted again (6.3 minutes for IMDB's
      20M words on 2 cores). Those counts gave that saved vocabulary: the run goes on with
      exactly the same one, and archives ship the vocabulary directory either way.
    - AllenNLP's `gradient_descent` trainer becomes `quick_recover`
      (`sst_elmo.training.QuickRecoverTrainer`, the same trainer with the same parameters),
      which does not read the finished epochs again (about 14 minutes per finished epoch of IMDB).

    A run without a saved vocabulary, or with another trainer type, keeps that part.
    """
    saved_config = os.path.join(run_dir, "config.json")
    with open(saved_config, encoding="utf-8") as handle:
        params = json.load(handle)
    changes = []
    directory = os.path.abspath(os.path.join(run_dir, "vocabulary"))
    vocabulary = params.get("vocabulary", {})
    if os.path.exists(os.path.join(directory, "non_padded_namespaces.txt")) and (
        vocabulary.get("type") != "from_files" or vocabulary.get("directory") != directory
    ):
        params["vocabulary"] = {"type": "from_files", "directory": directory}
        for token in ("padding_token", "oov_token"):
            if token in vocabulary:
                params["vocabulary"][token] = vocabulary[token]
        changes.append(f"vocabulary read from {directory} (was {json.dumps(vocabulary)})")
    trainer = params.get("trainer")
    if isinstance(trainer, dict) and trainer.get("type", "gradient_descent") == "gradient_descent":
        trainer["type"] = "quick_recover"
        changes.append("trainer 'quick_recover' (was 'gradient_descent'): finished epochs are not read again")
    if changes:
        atomic_write(saved_config, json.dumps(params, indent=4))
        for change in changes:
            print(f"train: {saved_config}: {change}")
    return changes


def export(run_dir: str, cwd: Optional[str] = None) -> str:
    """Exports the trained biLM to `run_dir/elmo` unless it exists; returns that directory."""
    elmo = os.path.join(run_dir, "elmo")
    if os.path.exists(os.path.join(elmo, "weights.hdf5")):
        print(f"export: {elmo} exists, skipped")
        return elmo
    command = allennlp_command("elmo-export", os.path.join(run_dir, "model.tar.gz"), elmo)
    _run(command, os.path.join(run_dir, "export.log"), cwd)
    return elmo


def heldout_texts(run_dir: str, data: str, imdb_reviews: int = 500, imdb_split: str = "test") -> Dict[str, str]:
    """
    Writes the held-out texts (one document per line) into `run_dir/heldout` unless they exist:
    `imdb_reviews` reviews spread evenly over `data/imdb/{imdb_split}.jsonl.gz` (every 50th of
    the 25,000 for 500; the files are sorted by label) and the SST dev and test sentences
    (tokens joined by spaces). Returns their paths by name (`imdb_test` or `imdb_train`, and
    `sst_dev_test`). The default, the *test* reviews, is text that no pre-training config
    reads: `configs/pretrain/imdb_continue.jsonnet` trains on the train reviews' text.
    """
    from sst_elmo.dataset_readers.sst_trees import SstTreesReader

    if imdb_split not in ("test", "train"):
        raise ValueError(f"imdb_split is 'test' or 'train', not {imdb_split!r}")
    directory = os.path.join(run_dir, "heldout")
    imdb = f"imdb_{imdb_split}"
    paths = {imdb: os.path.join(directory, f"{imdb}.txt"),
             "sst_dev_test": os.path.join(directory, "sst_dev_test.txt")}
    if not os.path.exists(paths[imdb]):
        with gzip.open(os.path.join(data, "imdb", f"{imdb_split}.jsonl.gz"), "rt", encoding="utf-8") as reviews:
            texts = [json.loads(line)["text"].replace("\n", " ") for line in reviews if line.strip()]
        step = max(len(texts) // max(imdb_reviews, 1), 1)
        lines = texts[::step][:imdb_reviews]
        atomic_write(paths[imdb], "".join(line + "\n" for line in lines))
    if not os.path.exists(paths["sst_dev_test"]):
        reader = SstTreesReader(granularity="5-class", use_subtrees=False)
        lines = [" ".join(token.text for token in instance["tokens"].tokens)
                 for split in ("dev", "test")
                 for instance in reader.read(os.path.join(data, "sst", f"{split}.txt"))]
        atomic_write(paths["sst_dev_test"], "".join(line + "\n" for line in lines))
    return paths


# What a run's reader reads besides plain documents (its held-out split, CSV, tweets, SST trees).
_NOT_FOR_HELD_OUT_TEXT = ("split", "validation_fraction", "max_instances", "csv_column", "csv_id_column",
                          "clean_tweets", "json_field", "sst_trees")


def heldout_reader(config: Dict[str, Any]) -> Dict[str, Any]:
    """
    The run's validation reader for the held-out texts, plain documents one a line: without its
    held-out split, cap and other formats (a nested override replaces the reader whole).
    """
    reader_config = config.get("validation_dataset_reader", config["dataset_reader"])
    return {key: value for key, value in reader_config.items() if key not in _NOT_FOR_HELD_OUT_TEXT}


def heldout(run_dir: str, texts: Dict[str, str], cwd: Optional[str] = None) -> Dict[str, Dict[str, Any]]:
    """Perplexity (`allennlp evaluate`) and out-of-vocabulary rate of each held-out text."""
    from sst_elmo.dataset_readers.text_corpus import TextCorpusReader

    with open(os.path.join(run_dir, "vocabulary", "lm_words.txt"), encoding="utf-8") as handle:
        vocabulary = {line.rstrip("\n") for line in handle}
    with open(os.path.join(run_dir, "config.json"), encoding="utf-8") as handle:
        config = json.load(handle)
    held_out_reader = heldout_reader(config)
    # Held-out perplexity in fp32, whatever precision the run trained in.
    model_overrides = {"model.bf16": False} if "bf16" in config["model"] else {}
    overrides = json.dumps({"validation_dataset_reader": held_out_reader, **model_overrides})
    # The same sentences as the evaluation reads, to count out-of-vocabulary words.
    reader = TextCorpusReader(max_sentence_length=held_out_reader.get("max_sentence_length"))
    results = {}
    for name, path in texts.items():
        metrics_file = os.path.join(run_dir, "heldout", f"{name}.metrics.json")
        if not os.path.exists(metrics_file):
            command = allennlp_command("evaluate", os.path.join(run_dir, "model.tar.gz"), path,
                                       "--output-file", metrics_file, "--overrides", overrides)
            _run(command, os.path.join(run_dir, "heldout", f"{name}.log"), cwd)
        with open(metrics_file, encoding="utf-8") as handle:
            metrics = json.load(handle)
        documents = words = unknown = sentences = 0
        with open(path, encoding="utf-8") as handle:
            for document in handle:
                documents += 1
                for sentence in reader.sentences(document):
                    sentences += 1
                    words += len(sentence)
                    unknown += sum(word not in vocabulary for word in sentence)
        results[name] = {
            "perplexity": metrics["perplexity"],
            "forward_perplexity": metrics["forward_perplexity"],
            "backward_perplexity": metrics["backward_perplexity"],
            "documents": documents,
            "sentences": sentences,
            "words": words,
            "oov_rate": unknown / max(words, 1),
        }
    return results


def export_check(run_dir: str, text: str, batch_size: int = 64) -> Dict[str, float]:
    """
    Perplexity of the export in `run_dir/elmo` re-loaded into `elmo_bilm` (`load_elmo_bilm`
    with its `vocab.txt` and `softmax.hdf5`) on `text`, in fp32; written to
    `run_dir/heldout/export_check.json`. It equals the archive's held-out perplexity on the
    same text when the export is the trained biLM.
    """
    path = os.path.join(run_dir, "heldout", "export_check.json")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    from allennlp.data.data_loaders import MultiProcessDataLoader
    from allennlp.training.util import evaluate

    from sst_elmo.dataset_readers.text_corpus import TextCorpusReader, bilm_token_indexers
    from sst_elmo.models.elmo_bilm import load_elmo_bilm

    elmo = os.path.join(run_dir, "elmo")
    model = load_elmo_bilm(
        os.path.join(elmo, "options.json"), os.path.join(elmo, "weights.hdf5"),
        vocab_file=os.path.join(elmo, "vocab.txt"), softmax_file=os.path.join(elmo, "softmax.hdf5"),
    )
    with open(os.path.join(run_dir, "config.json"), encoding="utf-8") as handle:
        max_length = json.load(handle)["dataset_reader"].get("max_sentence_length")
    reader = TextCorpusReader(token_indexers=bilm_token_indexers(), max_sentence_length=max_length)
    loader = MultiProcessDataLoader(reader, text, batch_size=batch_size)
    loader.index_with(model.vocab)
    metrics = evaluate(model, loader, cuda_device=-1)
    result = {"text": os.path.basename(text), "perplexity": metrics["perplexity"],
              "forward_perplexity": metrics["forward_perplexity"],
              "backward_perplexity": metrics["backward_perplexity"]}
    atomic_write(path, json.dumps(result, indent=2))
    return result


def throughput(run_dir: str) -> Dict[str, Any]:
    """
    Epochs run, words trained and training throughput, from the run's metrics files.

    With the `training_clock` callback the words and seconds are its totals, which survive
    `--recover`. An epoch that ran before the clock was in the run's config is counted as
    one pass of the clocked epochs' size (every epoch reads the same training split) and
    listed in `unclocked_epochs`; words/s are then over the clocked epochs only. Without any
    clocked epoch the figures are AllenNLP's `training_words` and `training_duration`, which
    count only the last process of a recovered run.
    """
    if os.path.exists(os.path.join(run_dir, SNAPSHOT_NAME)):
        return _snapshot_throughput(run_dir)
    epochs = epoch_metrics(run_dir)
    if not epochs:
        raise StageFailed(f"{run_dir} has no metrics_epoch_*.json")
    clocked = [epoch for epoch in epochs if "clock_epoch_words" in epoch]
    unclocked = [index for index, epoch in enumerate(epochs) if "clock_epoch_words" not in epoch]
    if clocked:
        pass_words = max(epoch["clock_epoch_words"] for epoch in clocked)
        clocked_words = sum(epoch["clock_epoch_words"] for epoch in clocked)
        words = clocked_words + pass_words * len(unclocked)
        seconds = sum(epoch["clock_epoch_seconds"] for epoch in clocked)
        rate_words = clocked_words
    else:
        words = rate_words = sum(epoch["training_words"] for epoch in epochs)
        seconds = duration_seconds(epochs[-1]["training_duration"])
        if not seconds:
            raise StageFailed(f"{run_dir}: unreadable training_duration {epochs[-1]['training_duration']!r}")
    # A stopped run has no metrics.json; its last epoch file has the best epoch so far.
    final = final_metrics(run_dir) if os.path.exists(os.path.join(run_dir, METRICS_NAME)) else epochs[-1]
    return {
        "epochs": len(epochs),
        "configured_epochs": _configured_epochs(run_dir),
        "words": words,
        "training_seconds": seconds,
        "words_per_second": rate_words / seconds,
        "unclocked_epochs": unclocked if clocked else [],
        "best_epoch": final.get("best_epoch"),
        "best_validation_perplexity": final.get("best_validation_perplexity"),
        "validation_perplexity_by_epoch": [epoch["validation_perplexity"] for epoch in epochs],
    }


def _configured_epochs(run_dir: str) -> int:
    """`trainer.num_epochs` of the run's saved `config.json`."""
    with open(os.path.join(run_dir, "config.json"), encoding="utf-8") as handle:
        return json.load(handle)["trainer"]["num_epochs"]


def _snapshot_throughput(snapshot_dir: str) -> Dict[str, Any]:
    """`throughput` of a `snapshot` directory: the training clock at its checkpoint, finished epochs' metrics."""
    with open(os.path.join(snapshot_dir, SNAPSHOT_NAME), encoding="utf-8") as handle:
        taken = json.load(handle)
    epochs = epoch_metrics(snapshot_dir)
    last = epochs[-1] if epochs else {}
    return {
        "epochs": taken["epochs_completed"],
        "configured_epochs": _configured_epochs(snapshot_dir),
        "snapshot_batches": taken["batches_in_epoch_completed"],
        "words": taken["words"],
        "training_seconds": taken["seconds"],
        "words_per_second": taken["words"] / max(taken["seconds"], 1e-9),
        "unclocked_epochs": [],
        "best_epoch": last.get("best_epoch"),
        "best_validation_perplexity": last.get("best_validation_perplexity"),
        "validation_perplexity_by_epoch": [epoch["validation_perplexity"] for epoch in epochs],
    }


def report_markdown(config: str, training: Dict[str, Any], heldout_results: Dict[str, Dict[str, Any]]) -> str:
    """The pre-training summary and the held-out table, in markdown."""
    unclocked = training.get("unclocked_epochs") or []
    timed = " (timed epochs)" if unclocked else ""
    batches = training.get("snapshot_batches")
    done = (f"{training['epochs']} of {training['configured_epochs']} epochs" if batches is None else
            f"a snapshot after {training['epochs']} of {training['configured_epochs']} epochs and "
            f"{batches:,} batches of the next")
    best = training["best_validation_perplexity"]
    validated = ("no validation yet (it runs at the end of an epoch)" if best is None else
                 f"best validation perplexity {best:.1f} (epoch {training['best_epoch']})")
    lines = [
        f"Pre-training `{config}` ({done}, {training['words']:,.0f} words; "
        f"{training['training_seconds'] / 60:.1f} min{timed}, validation included): "
        f"**{training['words_per_second']:,.0f} words/s**; {validated}.",
        "",
        *([f"{'Epochs' if len(unclocked) > 1 else 'Epoch'} {', '.join(map(str, unclocked))} ran before the "
           "`training_clock` callback was in the run's config: counted as one pass over the training split "
           "each, not timed.", ""]
          if unclocked else []),
        "| held-out text | sentences | words | OOV rate | perplexity (fwd / bwd) |",
        "|---|---:|---:|---:|---|",
    ]
    for name, held in heldout_results.items():
        lines.append(f"| {name} ({held['documents']} docs) | {held['sentences']:,} | {held['words']:,} | "
                     f"{held['oov_rate']:.1%} | **{held['perplexity']:.1f}** "
                     f"({held['forward_perplexity']:.1f} / {held['backward_perplexity']:.1f}) |")
    return "\n".join(lines) + "\n"


def write_report(
    config: str, run_dir: str, heldout_results: Dict[str, Dict[str, Any]],
    export_checked: Optional[Dict[str, Any]] = None,
) -> str:
    """Writes `run_dir/report.json` and `run_dir/report.md`; returns the markdown."""
    result = {"config": config, "run_dir": run_dir, "training": throughput(run_dir), "heldout": heldout_results}
    if export_checked:
        result["export_check"] = export_checked
    atomic_write(os.path.join(run_dir, "report.json"), json.dumps(result, indent=2))
    markdown = report_markdown(config, result["training"], heldout_results)
    if export_checked:
        name = os.path.splitext(export_checked["text"])[0]
        archived = heldout_results[name]["perplexity"]
        markdown += (f"\nThe export re-loaded into `elmo_bilm` (`load_elmo_bilm`): perplexity "
                     f"{export_checked['perplexity']:.2f} on {name}, against {archived:.2f} "
                     "for the trained archive.\n")
    atomic_write(os.path.join(run_dir, "report.md"), markdown)
    return markdown


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", help=f"the pre-training config (default {DEFAULT_CONFIG}; with --snapshot, "
                                          "the name the report gives the run's config)")
    parser.add_argument("--run-dir", default=DEFAULT_RUN_DIR,
                        help="the serialization directory (default %(default)s)")
    parser.add_argument("--data", default=os.environ.get("SST_ELMO_DATA") or "../shared/data",
                        help="the data directory (default: $SST_ELMO_DATA, else ../shared/data)")
    parser.add_argument("--best-so-far", action="store_true",
                        help="do not train: archive the best epoch of a stopped run and go on from there")
    parser.add_argument("--snapshot", metavar="DIR",
                        help="do not train: archive the latest checkpoint of the run (running or stopped, "
                             "mid-epoch included) into DIR and export and measure it there")
    parser.add_argument("--imdb-reviews", type=int, default=500,
                        help="how many IMDB reviews to measure perplexity on (spread over the file)")
    parser.add_argument("--imdb-heldout", choices=("test", "train"), default="test",
                        help="which labelled IMDB file they come from (default: test, which no "
                             "pre-training config reads; 'train' for runs that never read its text)")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None, project: Optional[str] = None) -> int:
    """
    Runs every stage (see the module docstring). Paths on the command line are relative to the
    current directory; the `allennlp` commands run in `project` (default: the current
    directory), where relative paths inside configs are resolved.
    """
    args = parse_args(argv)
    config_given = args.config or (os.path.join(args.run_dir, "config.json") if args.snapshot else DEFAULT_CONFIG)
    data, config, run_dir = map(os.path.abspath, (args.data, config_given, args.run_dir))
    os.environ["SST_ELMO_DATA"] = data  # the configs read the corpus from here
    try:
        if args.snapshot:
            run_dir = os.path.abspath(args.snapshot)
            snapshot(os.path.abspath(args.run_dir), run_dir)
        else:
            train(config, run_dir, args.best_so_far, cwd=project)
        export(run_dir, cwd=project)
        texts = heldout_texts(run_dir, data, args.imdb_reviews, args.imdb_heldout)
        results = heldout(run_dir, texts, cwd=project)
        checked = export_check(run_dir, texts["sst_dev_test"])
        shown = os.path.relpath(config, project) if project else config
        print(write_report(shown, run_dir, results, checked), end="")
    except StageFailed as error:
        print(f"pretrain_elmo: {error}", file=sys.stderr)
        return 1
    return 0
