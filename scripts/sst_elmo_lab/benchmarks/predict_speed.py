"""
Prediction speed of the real commands, side by side: `allennlp predict` at its default batch
size of 1 and with `--batch-size 32`, and `allennlp sst-predict` at its defaults (batches of
64 sentences of similar length), each run as a separate process on the same input.

Each command runs as `python -m sst_elmo_lab.benchmarks.predict_speed timed ...`, which runs
the `allennlp` CLI unchanged in that process and notes when `Predictor.from_archive` returns:
the start-up is the process's wall time up to then (imports, loading the archive), the
prediction time what follows (reading, predicting, writing). On a shared CPU, timing the
prediction inside the process is far steadier than subtracting two process wall times.
`scripts/bench_predict.py` is the script; this module also builds the two small models it
needs and measures the import time.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from sst_elmo.common.config_env import SHARED, SHIPPED_MODELS
from sst_elmo.common.cpu import machine_description, matmul_gflops
from sst_elmo.common.launch import allennlp_command, run_logged, train_command
from sst_elmo_lab import PROJECT, lab_env

# The line `timed` writes last: the seconds from the loaded predictor to the end.
TIMING_MARK = "sst_elmo predict_speed: predicting seconds "
# (name, subcommand, the command's arguments after ARCHIVE INPUT)
COMMANDS: List[Tuple[str, str, List[str]]] = [
    ("allennlp predict (batch size 1, its default)", "predict", ["--silent"]),
    ("allennlp predict --batch-size 32", "predict", ["--silent", "--batch-size", "32"]),
    ("allennlp sst-predict (defaults)", "sst-predict", []),
]


def thread_env(threads: int, base: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """The environment for a child process limited to `threads` threads."""
    env = dict(os.environ if base is None else base)
    env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    return env


def sst_sentences(paths: Sequence[str]) -> List[str]:
    """The sentences (leaves joined by spaces) of SST tree files, in file order."""
    from nltk import Tree

    sentences = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            sentences.extend(" ".join(Tree.fromstring(line).leaves()) for line in handle if line.strip())
    return sentences


def write_input(sentences: Sequence[str], count: int, path: str) -> str:
    """Writes `count` JSONL lines `{"sentence": ...}`, cycling through `sentences`."""
    with open(path, "w", encoding="utf-8") as out:
        for i in range(count):
            out.write(json.dumps({"sentence": sentences[i % len(sentences)]}) + "\n")
    return path


def timed_command(subcommand: str, archive: str, input_path: str, output: str, extra: List[str],
                  env: Mapping[str, str], log_path: str) -> Tuple[float, float]:
    """
    `(start-up seconds, prediction seconds)` of one `allennlp SUBCOMMAND ARCHIVE INPUT
    --output-file OUTPUT EXTRA...` process.
    """
    command = allennlp_command(subcommand, archive, input_path, "--output-file", output, *extra)
    command[1:3] = ["-m", "sst_elmo_lab.benchmarks.predict_speed", "timed"]  # instead of -m allennlp
    start = time.perf_counter()
    status = run_logged(command, log_path, env=lab_env(env))  # the child imports the lab
    wall = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({status}); see {log_path}")
    with open(log_path, encoding="utf-8") as handle:
        marks = [line for line in handle if line.startswith(TIMING_MARK)]
    predicting = float(marks[-1][len(TIMING_MARK):])
    return wall - predicting, predicting


def prediction_rows(archive: str, sentences: Sequence[str], count: int, out_dir: str,
                    threads: int, fresh_dir: Optional[str] = None) -> Iterator[Dict[str, object]]:
    """
    For each of `COMMANDS`, one process on `count` sentences: `{"name", "startup_s",
    "predict_s", "sentences_per_s"}` (the speed after start-up). `fresh_dir` (an activation
    cache the model writes to) is removed before each command, so none reads what another wrote.
    """
    os.makedirs(out_dir, exist_ok=True)
    env = thread_env(threads)
    many = write_input(sentences, count, os.path.join(out_dir, f"input_{count}.jsonl"))
    for index, (name, subcommand, extra) in enumerate(COMMANDS):
        if fresh_dir:
            shutil.rmtree(fresh_dir, ignore_errors=True)
        log = os.path.join(out_dir, f"command_{index}.log")
        output = os.path.join(out_dir, f"output_{index}.jsonl")
        startup, predicting = timed_command(subcommand, archive, many, output, extra, env, log)
        yield {"name": name, "startup_s": startup, "predict_s": predicting,
               "sentences_per_s": count / max(predicting, 1e-9)}


def import_seconds(module: str, python: str = sys.executable, runs: int = 3) -> float:
    """Median seconds of `python -X importtime -c "import MODULE"` (its own report, all imports)."""
    totals = []
    for _ in range(runs):
        result = subprocess.run([python, "-X", "importtime", "-c", f"import {module}"],
                                capture_output=True, text=True, check=True)
        lines = [line for line in result.stderr.splitlines() if re.search(rf"\|\s*{re.escape(module)}$", line)]
        totals.append(int(lines[-1].split("|")[1]) / 1e6)
    return statistics.median(totals)


def train_small_models(
    out_dir: str, shared: str, threads: int, elmo_dir: Optional[str] = None
) -> Dict[str, Tuple[str, Optional[str]]]:
    """
    Small archives for speed measurements (their accuracy means nothing), each with the
    activation cache it writes to while predicting (or `None`): `sst2_lstm` (300-dimensional
    random word vectors, as with GloVe 840B, 1 epoch on 3,000 phrases); `sst2_elmo`, a frozen
    ELMo through AllenNLP's `Elmo` (`stateless_elmo`), and `sst2_elmo_cached`, the same with
    the activation cache on (`cached_elmo`: unseen sentences run through `FastElmoBiLm`),
    each 1 epoch on 200 phrases. The ELMo is `elmo_dir` (`options.json`, `weights.hdf5`; e.g.
    the shipped `models/elmo-imdb`), or random weights of the published small shape
    (`shared/elmo/small/options.json`). Existing archives are kept.
    """
    from sst_elmo.testing.elmo import write_random_elmo

    root = PROJECT
    env = thread_env(threads)
    env.update(SST_ELMO_DATA=os.path.join(shared, "data"), SST_ELMO_CACHE="")
    if elmo_dir:
        options, weights = os.path.join(elmo_dir, "options.json"), os.path.join(elmo_dir, "weights.hdf5")
    else:
        with open(os.path.join(shared, "elmo", "small", "options.json"), encoding="utf-8") as handle:
            small = json.load(handle)
        options = os.path.join(out_dir, "elmo", "options.json")
        weights = os.path.join(out_dir, "elmo", "weights.hdf5")
        if not os.path.exists(weights):
            os.makedirs(os.path.dirname(weights), exist_ok=True)
            write_random_elmo(os.path.dirname(weights), small, scale=0.03)
    elmo_env = {"SST_ELMO_OPTIONS": os.path.abspath(options), "SST_ELMO_WEIGHTS": os.path.abspath(weights)}
    cache_dir = os.path.join(os.path.abspath(out_dir), "elmo_cache")
    word_vectors = {"model.text_field_embedder.token_embedders.tokens.pretrained_file": None,
                    "model.text_field_embedder.token_embedders.tokens.embedding_dim": 300}
    archives: Dict[str, Tuple[str, Optional[str]]] = {}
    for name, config, overrides, extra_env, cache in [
        ("sst2_lstm", "sst2_lstm.jsonnet", {"dataset_reader.max_instances": 3000, **word_vectors}, {}, None),
        ("sst2_elmo", "sst2_elmo.jsonnet", {"dataset_reader.max_instances": 200}, elmo_env, None),
        ("sst2_elmo_cached", "sst2_elmo.jsonnet", {"dataset_reader.max_instances": 200},
         {**elmo_env, "SST_ELMO_CACHE": "1", "SST_ELMO_CACHE_DIR": cache_dir}, cache_dir),
    ]:
        serialization_dir = os.path.join(out_dir, name)
        archive = os.path.join(serialization_dir, "model.tar.gz")
        if not os.path.exists(archive):
            command = train_command(os.path.join(root, "configs", config), serialization_dir, {
                "trainer.num_epochs": 1, "evaluate_on_test": False, **overrides}, force=True)
            status = run_logged(command, serialization_dir + ".log", env={**env, **extra_env})
            if status != 0:
                raise RuntimeError(f"training {name} failed ({status}); see {serialization_dir}.log")
        archives[name] = (archive, cache)
    return archives


def speed_table(rows: Sequence[Mapping[str, object]], count: int, model: str) -> str:
    """The Markdown table of `prediction_rows`."""
    lines = [f"{model}, {count:,} sentences",
             "| command | start-up (s) | predicting (s) | sentences/s after start-up |", "|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['name']} | {row['startup_s']:.1f} | {row['predict_s']:.1f} | "
                     f"{row['sentences_per_s']:,.0f} |")
    return "\n".join(lines) + "\n"


def run_timed(argv: List[str]) -> None:
    """
    Runs the `allennlp` CLI with `argv` in this process and prints `TIMING_MARK` with the
    seconds from the moment `Predictor.from_archive` returned to the end. Only this
    benchmark process is instrumented.
    """
    from allennlp.commands import main as allennlp_main
    from allennlp.predictors import Predictor

    loaded: List[float] = []
    from_archive = Predictor.from_archive.__func__  # type: ignore[attr-defined]

    def noting_from_archive(cls, *args, **kwargs):
        predictor = from_archive(cls, *args, **kwargs)
        loaded.append(time.perf_counter())
        return predictor

    Predictor.from_archive = classmethod(noting_from_archive)  # type: ignore[assignment]
    sys.argv = ["allennlp", *argv]
    allennlp_main(prog="allennlp")
    print(f"{TIMING_MARK}{time.perf_counter() - loaded[-1]:.6f}", flush=True)


MAIN_DOC = """
Prediction speed of the real commands on the same sentences, side by side: `allennlp predict`
(batch size 1, its default; and --batch-size 32) and `allennlp sst-predict` (defaults), for an
`sst2_lstm` model and two `sst2_elmo` models with a frozen ELMo (default: the shipped
`models/elmo-imdb`): through AllenNLP's `Elmo` (`stateless_elmo`), and with the activation
cache on (`cached_elmo`, unseen sentences through `FastElmoBiLm`; the cache is emptied before
each command); with the start-up of each command, the import time of `sst_elmo` and the matrix speed
this process gets. Speed only, no assertions.

    .venv/bin/python scripts/bench_predict.py --threads 1
"""


def main(argv: Optional[List[str]] = None) -> None:
    """The benchmark of `scripts/bench_predict.py`: trains the models, then prints a table a model."""
    parser = argparse.ArgumentParser(description=MAIN_DOC, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=SHARED)
    parser.add_argument("--out", default=None, help="models and inputs (default: a new temporary directory)")
    parser.add_argument("--sentences", type=int, default=10_000, help="input lines for the LSTM model")
    parser.add_argument("--elmo-sentences", type=int, default=1_000, help="input lines for the ELMo model")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--elmo", default=os.path.join(SHIPPED_MODELS, "elmo-imdb"),
                        help="ELMo directory (options.json, weights.hdf5) of the ELMo models (default: the "
                             "shipped models/elmo-imdb); 'random': random weights of the published small shape")
    args = parser.parse_args(argv)
    out = args.out or tempfile.mkdtemp(prefix="bench_predict_")
    print(f"{machine_description()}, {args.threads} thread(s); "
          f"fp32 matmul {matmul_gflops(threads=args.threads):.0f} GFLOP/s; output in {out}")
    print(f"python -X importtime -c 'import allennlp.commands': {import_seconds('allennlp.commands'):.2f} s; "
          f"'import sst_elmo' (includes it): {import_seconds('sst_elmo'):.2f} s")
    archives = train_small_models(out, args.shared, args.threads, None if args.elmo == "random" else args.elmo)
    sst = os.path.join(args.shared, "data", "sst")
    sentences = sst_sentences([os.path.join(sst, "dev.txt"), os.path.join(sst, "test.txt")])
    for model, count in (("sst2_lstm", args.sentences), ("sst2_elmo", args.elmo_sentences),
                         ("sst2_elmo_cached", args.elmo_sentences)):
        rows = []
        run_dir = os.path.join(out, f"run_{model}")
        archive, cache = archives[model]
        for row in prediction_rows(archive, sentences, count, run_dir, args.threads, fresh_dir=cache):
            print(f"  {row['name']}: {row['sentences_per_s']:.0f} sentences/s", flush=True)
            rows.append(row)
        print(speed_table(rows, count, model))



if __name__ == "__main__":
    if sys.argv[1:2] != ["timed"]:
        sys.exit("usage: python -m sst_elmo_lab.benchmarks.predict_speed timed SUBCOMMAND ARGS...")
    run_timed(sys.argv[2:])
