"""
`make demo`: train a classifier from a config (into `OUT/model`), evaluate it on the config's
test set and predict a few sentences, all through the `allennlp` CLI, printing only progress,
the metrics, the predictions and where the outputs are. Every command's full output goes to
`OUT/demo.log`. (`scripts/demo.sh` decides whether `OUT` may be used.)

    python -m sst_elmo.demo [--config C] [--epochs N] [--out DIR]
"""
import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any, Dict, List, Optional, TextIO

from sst_elmo.common.file_utils import epoch_metrics, final_metrics
from sst_elmo.common.launch import allennlp_command, train_command

DEFAULT_CONFIG = "configs/sst5_elmo.jsonnet"
DEFAULT_OUT = "runs/demo"
SENTENCES = [
    {"sentence": "A gorgeous, witty and moving film."},
    {"sentence": "The plot is a tedious mess and the acting is worse."},
    {"tokens": ["It", "'s", "not", "bad", ",", "just", "forgettable", "."]},
]
SHOWN_METRICS = ("accuracy", "macro_f1", "positive_f1")


def evaluated_config(config: str, overrides: Dict[str, Any]) -> Dict[str, Any]:
    """The config as AllenNLP reads it, with `overrides` (dotted keys)."""
    from allennlp.common import Params

    import sst_elmo  # noqa: F401 - defaults for the SST_ELMO_* variables

    return Params.from_file(config, json.dumps(overrides)).as_dict(quiet=True)


def shown(metrics: Dict[str, Any], prefix: str = "") -> str:
    """`name=value` for the accuracy and F1 metrics with `prefix` (e.g. `best_validation_`)."""
    return ", ".join(
        f"{key[len(prefix):]}={value:.4f}" for key, value in metrics.items()
        if key.startswith(prefix) and key[len(prefix):] in SHOWN_METRICS
    )


def epoch_line(metrics: Dict[str, Any], epoch: int, num_epochs: Optional[int]) -> str:
    """One progress line for a finished epoch."""
    of = f"/{num_epochs}" if num_epochs else ""
    return f"demo:   epoch {epoch + 1}{of}: validation {shown(metrics, 'validation_')}"


def prediction_line(row: Dict[str, Any]) -> str:
    label = row["label"]
    return f"demo:   {label}  p={row['label_probs'][label]:.2f}  {' '.join(row['tokens'])}"


def _train(command: List[str], out: str, log: TextIO, num_epochs: Optional[int], say) -> int:
    """Runs `allennlp train`, printing a line for each epoch as its metrics file appears."""
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    reported = 0
    while True:
        finished = process.poll() is not None
        epochs = epoch_metrics(out) if os.path.isdir(out) else []
        for epoch in range(reported, len(epochs)):
            say(epoch_line(epochs[epoch], epoch, num_epochs))
        reported = len(epochs)
        if finished:
            return process.returncode
        time.sleep(1.0)


def run_demo(config: str, out: str, epochs: Optional[int] = None, say=print) -> int:
    """Trains, evaluates and predicts (see the module docstring); returns 0, or 1 on a failure."""
    overrides = {"trainer.num_epochs": epochs} if epochs else {}
    evaluated = evaluated_config(config, overrides)  # a broken config stops here, writing nothing
    test_path = evaluated.get("test_data_path")
    num_epochs = evaluated.get("trainer", {}).get("num_epochs")
    model = os.path.join(out, "model")
    log_path = os.path.join(out, "demo.log")
    os.makedirs(out, exist_ok=True)
    say(f"demo: 1/3 training {config} into {model} (full log: {log_path})")
    with open(log_path, "w", encoding="utf-8") as log:
        status = _train(train_command(config, model, overrides), model, log, num_epochs, say)
    if status != 0:
        say(f"demo: training failed (status {status}); see {log_path}")
        return 1
    metrics = final_metrics(model)
    say(f"demo:   best epoch {metrics.get('best_epoch', 0) + 1}: validation {shown(metrics, 'best_validation_')}")

    def run(step: str, *arguments: str) -> bool:
        with open(log_path, "a", encoding="utf-8") as log:
            status = subprocess.run(allennlp_command(*arguments), stdout=log, stderr=subprocess.STDOUT).returncode
        if status != 0:
            say(f"demo: {step} failed (status {status}); see {log_path}")
        return status == 0

    archive = os.path.join(model, "model.tar.gz")
    evaluation = os.path.join(out, "evaluation.json")
    if test_path:
        say(f"demo: 2/3 evaluating on {test_path}")
        if not run("evaluation", "evaluate", archive, test_path, "--output-file", evaluation):
            return 1
        with open(evaluation, encoding="utf-8") as handle:
            say(f"demo:   test {shown(json.load(handle))}")
    else:
        say("demo: 2/3 evaluating: the config has no test_data_path, skipped")
    say("demo: 3/3 predicting")
    sentences = os.path.join(out, "sentences.jsonl")
    with open(sentences, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(sentence) + "\n" for sentence in SENTENCES)
    predictions = os.path.join(out, "predictions.jsonl")
    if not run("prediction", "predict", archive, sentences, "--output-file", predictions, "--silent"):
        return 1
    with open(predictions, encoding="utf-8") as handle:
        for line in handle:
            say(prediction_line(json.loads(line)))
    say(f"demo: done. Model: {archive}; metrics: {model}/metrics.json"
        + (f", {evaluation}" if test_path else "")
        + f"; predictions: {predictions}; TensorBoard logs: {model}/log; full log: {log_path}")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=os.environ.get("DEMO_CONFIG") or DEFAULT_CONFIG)
    parser.add_argument("--epochs", type=int, default=int(os.environ.get("DEMO_EPOCHS") or 0) or None)
    parser.add_argument("--out", default=os.environ.get("DEMO_OUT") or DEFAULT_OUT)
    args = parser.parse_args(argv)
    return run_demo(args.config, args.out, args.epochs, say=lambda line: print(line, flush=True))


if __name__ == "__main__":
    sys.exit(main())
