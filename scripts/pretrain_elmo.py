#!/usr/bin/env python
"""
Pre-trains the project's own ELMo and measures it, end to end (issue 3):

1. `train`: `allennlp train configs/pretrain/cpu_small.jsonnet` on IMDB's unlabelled reviews
   (`--recover` when an interrupted run is found; skipped when the archive exists);
2. `export`: `allennlp elmo-export` to RUN/elmo (options.json, weights.hdf5, vocab.txt, softmax.hdf5);
3. `heldout`: perplexity (full softmax) with `allennlp evaluate` on reviews of IMDB's labelled
   *train* file (never seen in pre-training) and on the SST dev + test sentences, with their
   out-of-vocabulary rates;
4. `report`: training throughput (words/s) and the held-out results in RUN/report.json and
   RUN/report.md.

Every stage is skipped when its output exists, so re-running resumes. `--best-so-far` skips
training for a run that was stopped early (out of time): its best epoch so far is archived as
AllenNLP would have, and the report says how many of the configured epochs ran. The downstream SST
comparison (baseline vs this ELMo, several seeds) is `scripts/run_grid.py` with
`configs/grids/own_elmo.json`; see the README.

    SST_ELMO_DATA=../shared/data .venv/bin/python scripts/pretrain_elmo.py
"""
import argparse
import glob
import gzip
import json
import os
import re
import subprocess
import sys
from typing import Dict, List

PROJECT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PROJECT)


def run(command: List[str], log: str) -> None:
    """Runs an `allennlp` command, its output going to `log`; exits with its status on failure."""
    print("+", " ".join(command), f"> {os.path.relpath(log)}", flush=True)
    with open(log, "a", encoding="utf-8") as out:
        status = subprocess.call(command, stdout=out, stderr=subprocess.STDOUT, cwd=PROJECT)
    if status != 0:
        sys.exit(f"pretrain_elmo.py: {command[1]} failed with status {status}; see {log}")


def allennlp() -> str:
    return os.path.join(os.path.dirname(sys.executable), "allennlp")


def train(args: argparse.Namespace) -> None:
    if os.path.exists(os.path.join(args.run_dir, "model.tar.gz")):
        print(f"train: {args.run_dir}/model.tar.gz exists, skipped")
        return
    if args.best_so_far:
        # A run stopped early (e.g. killed for lack of time): archive its best epoch so far,
        # exactly as AllenNLP archives a finished run (best.th, config, vocabulary).
        from allennlp.models.archival import archive_model

        if not os.path.exists(os.path.join(args.run_dir, "best.th")):
            sys.exit(f"pretrain_elmo.py: {args.run_dir} has no best.th to archive yet")
        archive_model(args.run_dir)
        print(f"train: archived the best epoch so far of the stopped run {args.run_dir}")
        return
    command = [allennlp(), "train", args.config, "-s", args.run_dir]
    if os.path.exists(os.path.join(args.run_dir, "config.json")):
        command.append("--recover")
    os.makedirs(os.path.dirname(os.path.abspath(args.run_dir)), exist_ok=True)
    run(command, args.run_dir.rstrip("/") + ".log")


def export(args: argparse.Namespace) -> None:
    elmo = os.path.join(args.run_dir, "elmo")
    if os.path.exists(os.path.join(elmo, "weights.hdf5")):
        print(f"export: {elmo} exists, skipped")
        return
    run([allennlp(), "elmo-export", os.path.join(args.run_dir, "model.tar.gz"), elmo],
        os.path.join(args.run_dir, "export.log"))


def heldout_texts(args: argparse.Namespace) -> Dict[str, str]:
    """Writes the held-out sentences (one document per line) and returns their paths by name."""
    from sst_elmo.dataset_readers.sst_trees import SstTreesReader

    directory = os.path.join(args.run_dir, "heldout")
    os.makedirs(directory, exist_ok=True)
    paths = {"imdb_train": os.path.join(directory, "imdb_train.txt"),
             "sst_dev_test": os.path.join(directory, "sst_dev_test.txt")}
    if not os.path.exists(paths["imdb_train"]):
        with gzip.open(os.path.join(args.data, "imdb", "train.jsonl.gz"), "rt", encoding="utf-8") as reviews:
            lines = [json.loads(line)["text"].replace("\n", " ")
                     for _, line in zip(range(args.imdb_reviews), reviews)]
        _write_lines(paths["imdb_train"], lines)
    if not os.path.exists(paths["sst_dev_test"]):
        reader = SstTreesReader(granularity="5-class", use_subtrees=False)
        lines = [" ".join(token.text for token in instance["tokens"].tokens)
                 for split in ("dev", "test")
                 for instance in reader.read(os.path.join(args.data, "sst", f"{split}.txt"))]
        _write_lines(paths["sst_dev_test"], lines)
    return paths


def _write_lines(path: str, lines: List[str]) -> None:
    from sst_elmo.common.file_utils import atomic_write

    atomic_write(path, "".join(line + "\n" for line in lines))


def heldout(args: argparse.Namespace) -> Dict[str, dict]:
    """Perplexity and out-of-vocabulary rate of each held-out text."""
    from sst_elmo.dataset_readers.text_corpus import TextCorpusReader

    vocabulary_file = os.path.join(args.run_dir, "vocabulary", "lm_words.txt")
    with open(vocabulary_file, encoding="utf-8") as handle:
        vocabulary = {line.rstrip("\n") for line in handle}
    results = {}
    with open(os.path.join(args.run_dir, "config.json"), encoding="utf-8") as handle:
        config = json.load(handle)
    # The validation reader without its held-out split and cap (a nested override replaces it whole).
    reader_config = config.get("validation_dataset_reader", config["dataset_reader"])
    held_out_reader = {key: value for key, value in reader_config.items()
                       if key not in ("split", "validation_fraction", "max_instances")}
    overrides = json.dumps({"validation_dataset_reader": held_out_reader})
    # The same sentences as the evaluation reads, to count out-of-vocabulary words.
    reader = TextCorpusReader(max_sentence_length=held_out_reader.get("max_sentence_length"))
    for name, path in heldout_texts(args).items():
        metrics_file = os.path.join(args.run_dir, "heldout", f"{name}.metrics.json")
        if not os.path.exists(metrics_file):
            run([allennlp(), "evaluate", os.path.join(args.run_dir, "model.tar.gz"), path,
                 "--output-file", metrics_file, "--overrides", overrides],
                os.path.join(args.run_dir, "heldout", f"{name}.log"))
        with open(metrics_file, encoding="utf-8") as handle:
            metrics = json.load(handle)
        words = unknown = sentences = 0
        with open(path, encoding="utf-8") as handle:
            for document in handle:
                for sentence in reader.sentences(document):
                    sentences += 1
                    words += len(sentence)
                    unknown += sum(word not in vocabulary for word in sentence)
        results[name] = {
            "perplexity": metrics["perplexity"],
            "forward_perplexity": metrics["forward_perplexity"],
            "backward_perplexity": metrics["backward_perplexity"],
            "documents": sum(1 for _ in open(path, encoding="utf-8")),
            "sentences": sentences,
            "words": words,
            "oov_rate": unknown / max(words, 1),
        }
    return results


def _seconds(duration: str) -> float:
    """AllenNLP's `training_duration` (`H:MM:SS.ffffff`, maybe with `N days, `) in seconds."""
    days = re.match(r"(\d+) days?, (.*)", duration)
    rest = days.group(2) if days else duration
    hours, minutes, seconds = rest.split(":")
    return (int(days.group(1)) if days else 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def throughput(run_dir: str) -> dict:
    """Words trained and training throughput from the epoch metrics."""
    epochs = sorted(glob.glob(os.path.join(run_dir, "metrics_epoch_*.json")),
                    key=lambda path: int(re.search(r"(\d+)\.json$", path).group(1)))
    metrics = [json.load(open(path, encoding="utf-8")) for path in epochs]
    words = sum(epoch["training_words"] for epoch in metrics)
    seconds = _seconds(metrics[-1]["training_duration"])
    final_path = os.path.join(run_dir, "metrics.json")
    with open(final_path if os.path.exists(final_path) else epochs[-1], encoding="utf-8") as handle:
        final = json.load(handle)
    configured = json.load(open(os.path.join(run_dir, "config.json"), encoding="utf-8"))["trainer"]["num_epochs"]
    return {
        "epochs": len(metrics),
        "configured_epochs": configured,
        "words": words,
        "training_seconds": seconds,
        "words_per_second": words / seconds,
        "best_epoch": final.get("best_epoch"),
        "best_validation_perplexity": final.get("best_validation_perplexity"),
        "validation_perplexity_by_epoch": [epoch["validation_perplexity"] for epoch in metrics],
    }


def report(args: argparse.Namespace, heldout_results: Dict[str, dict]) -> None:
    config = os.path.relpath(args.config, PROJECT)
    result = {"config": config, "run_dir": args.run_dir, "training": throughput(args.run_dir),
              "heldout": heldout_results}
    with open(os.path.join(args.run_dir, "report.json"), "w", encoding="utf-8") as out:
        json.dump(result, out, indent=2)
    training = result["training"]
    lines = [
        f"Pre-training `{config}` ({training['epochs']} of {training['configured_epochs']} epochs, "
        f"{training['words']:,.0f} words in "
        f"{training['training_seconds'] / 60:.1f} min, validation included): "
        f"**{training['words_per_second']:,.0f} words/s**; best validation perplexity "
        f"{training['best_validation_perplexity']:.1f} (epoch {training['best_epoch']}).",
        "",
        "| held-out text | sentences | words | OOV rate | perplexity (fwd / bwd) |",
        "|---|---:|---:|---:|---|",
    ]
    for name, held in heldout_results.items():
        lines.append(f"| {name} ({held['documents']} docs) | {held['sentences']:,} | {held['words']:,} | "
                     f"{held['oov_rate']:.1%} | **{held['perplexity']:.1f}** "
                     f"({held['forward_perplexity']:.1f} / {held['backward_perplexity']:.1f}) |")
    with open(os.path.join(args.run_dir, "report.md"), "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="configs/pretrain/cpu_small.jsonnet")
    parser.add_argument("--run-dir", default="runs/pretrain/cpu_small")
    parser.add_argument("--data", default=os.environ.get("SST_ELMO_DATA") or "../shared/data",
                        help="the data directory (default: $SST_ELMO_DATA, else ../shared/data)")
    parser.add_argument("--best-so-far", action="store_true",
                        help="do not train: archive the best epoch of a stopped run and go on from there")
    parser.add_argument("--imdb-reviews", type=int, default=500,
                        help="how many IMDB train reviews to measure perplexity on")
    args = parser.parse_args()
    args.data, args.config, args.run_dir = map(os.path.abspath, (args.data, args.config, args.run_dir))
    os.environ["SST_ELMO_DATA"] = args.data
    os.chdir(PROJECT)
    train(args)
    export(args)
    report(args, heldout(args))


if __name__ == "__main__":
    main()
