"""
Pre-training speed of `elmo_bilm`: AllenNLP's own biLM modules against the fast path
(`fast_forward=True`), side by side on the same batches, with the losses of the first steps compared.

Both sides build the same model from the same seed (same initial weights, the same sampled
softmax samples and dropout masks, because they draw from the random generators in the same
order), then train on identical batches (forward, backward, gradient-norm clipping, Adam). The
loss of each step is recorded on both sides; `max_loss_difference` over the first steps shows
that the fast path computes the same function, and words per second (real words, no padding
or sentence boundaries) show what it buys. `scripts/bench_pretrain.py` is the command line.
"""
import argparse
import itertools
import json
import logging
import os
import time
from typing import Any, Dict, Iterable, List, Optional

import numpy
import torch
from allennlp.common import Params
from allennlp.data import Batch, Vocabulary

from sst_elmo.common.config_env import PROJECT_ROOT, SHARED
from sst_elmo.common.cpu import cpu_field, matmul_gflops, native_bf16
from sst_elmo.common.file_utils import atomic_write
from sst_elmo.dataset_readers.text_corpus import TextCorpusReader, bilm_token_indexers
from sst_elmo.models.elmo_bilm import ElmoBiLm

logger = logging.getLogger(__name__)



def corpus_batches(
    corpus: str,
    num_batches: int,
    batch_size: int,
    max_sentence_length: int = 50,
    vocab_size: int = 20000,
) -> Dict[str, Any]:
    """
    `num_batches` batches of `batch_size` sentences from the start of `corpus` (a
    `text_corpus` file), bucketed by length as the pre-training configs do (sentences sorted by
    length, cut into consecutive batches, the batches shuffled with a fixed seed), and the
    `lm_words` vocabulary of those sentences (at most `vocab_size` words).
    """
    reader = TextCorpusReader(token_indexers=bilm_token_indexers(), max_sentence_length=max_sentence_length)
    instances = list(itertools.islice(reader.read(corpus), num_batches * batch_size))
    if len(instances) < num_batches * batch_size:
        raise ValueError(f"{corpus} has {len(instances)} sentences, fewer than {num_batches} x {batch_size}")
    vocab = Vocabulary.from_instances(instances, max_vocab_size={"lm_words": vocab_size})
    instances.sort(key=lambda instance: len(instance["tokens"]))
    batches = [instances[i : i + batch_size] for i in range(0, len(instances), batch_size)]
    numpy.random.RandomState(0).shuffle(batches)
    tensors = []
    for batch_instances in batches:
        batch = Batch(batch_instances)
        batch.index_instances(vocab)
        tensors.append(batch.as_tensor_dict())
    return {"vocab": vocab, "batches": tensors}


def count_words(batch: Dict[str, Any]) -> int:
    """Real words in a batch (no padding, no sentence boundaries)."""
    return int((batch["tokens"]["words"]["tokens"] > 0).sum())


def softmax_flops(num_targets: int, dim: int, num_samples: Optional[int], vocab_size: int) -> int:
    """
    Forward matrix FLOPs of the output layer for `num_targets` targets per direction (both
    directions): sampled softmax scores each target against the `num_samples` shared samples
    and its own class; the full softmax against the whole vocabulary.
    """
    classes = num_samples + 1 if num_samples else vocab_size
    return 2 * 2 * num_targets * dim * classes


def step_flops(model: ElmoBiLm, fast_flops: int, num_targets: int) -> int:
    """
    Matrix FLOPs of one training step (forward and backward) on the work the fast path
    executes: its forward count (`FastElmoBiLm.matrix_flops`: character CNN and highway per
    distinct word, LSTM products at every position, padding included) plus the output layer,
    times 3 (the backward pass runs two products of each forward product's size: the
    gradients of its input and of its weights).
    """
    dim = model.options["lstm"]["projection_dim"]
    return 3 * (fast_flops + softmax_flops(num_targets, dim, model.num_samples, model.num_classes))


def train_steps(
    vocab: Vocabulary,
    batches: List[Dict[str, Any]],
    options: Dict[str, Any],
    fast_forward: bool,
    num_samples: Optional[int] = 1024,
    bf16: bool = False,
    seed: int = 0,
    warmup: int = 2,
    lr: float = 0.002,
) -> Dict[str, Any]:
    """
    Trains a fresh `ElmoBiLm` (seeded) on `batches` in order. Returns each step's loss and
    seconds, words/s over the steps after `warmup`, and with the fast path each step's
    matrix FLOPs (`step_flops`).
    """
    torch.manual_seed(seed)
    numpy.random.seed(seed)
    model = ElmoBiLm(vocab, options=options, num_samples=num_samples, fast_forward=fast_forward, bf16=bf16)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses, seconds, words, flops = [], [], [], []
    for batch in batches:
        counted = model.fast.matrix_flops if model.fast is not None else 0
        start = time.perf_counter()
        optimizer.zero_grad()
        output = model(**batch)
        output["loss"].backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        optimizer.step()
        seconds.append(time.perf_counter() - start)
        losses.append(float(output["loss"]))
        words.append(count_words(batch))
        if model.fast is not None:
            flops.append(step_flops(model, model.fast.matrix_flops - counted, int(output["batch_weight"])))
    timed = slice(warmup, None)
    return {
        "losses": losses,
        "seconds": seconds,
        "words_per_second": sum(words[timed]) / max(sum(seconds[timed]), 1e-9),
        "words": words,
        "flops": flops or None,
        "timed_from": warmup,
    }


def compare(
    vocab: Vocabulary,
    batches: List[Dict[str, Any]],
    options: Dict[str, Any],
    num_samples: Optional[int] = 1024,
    compare_steps: int = 5,
    sides: Iterable[str] = ("allennlp", "fast", "fast_bf16"),
) -> Dict[str, Any]:
    """
    Runs `train_steps` for each side (`allennlp`: `fast_forward=False`; `fast`; `fast_bf16`) on the
    same batches. `max_loss_difference[side]`: the largest absolute difference from the
    `allennlp` side's loss over the first `compare_steps` steps. Each side's `gflops` is the
    fast path's FLOP count of the same batches (`step_flops`) over its timed seconds: the same
    work for every side, so the rates compare as the speeds do (AllenNLP's modules execute
    more: the character CNN at every position, padding included).
    """
    results: Dict[str, Any] = {}
    for side in sides:
        logger.info("training side %s on %d batches", side, len(batches))
        results[side] = train_steps(
            vocab, batches, options, fast_forward=side != "allennlp", bf16=side == "fast_bf16",
            num_samples=num_samples,
        )
    if "allennlp" in results:
        reference = results["allennlp"]
        for result in results.values():
            pairs = list(zip(reference["losses"], result["losses"]))[:compare_steps]
            result["max_loss_difference"] = max(abs(a - b) for a, b in pairs)
            result["speedup"] = result["words_per_second"] / reference["words_per_second"]
    counted = next((result["flops"] for result in results.values() if result["flops"]), None)
    if counted is not None:
        for result in results.values():
            timed = slice(result["timed_from"], None)
            work = sum(counted[timed])
            result["flops_per_word"] = work / sum(result["words"][timed])
            result["gflops"] = work / sum(result["seconds"][timed]) / 1e9
    return results


MAIN_DOC = """
Pre-training speed of `elmo_bilm`: AllenNLP's own biLM modules (`fast_forward=false`) against the fast
path (`fast_forward=true`, the default; and with bf16 autocast), side by side in one run on the same
batches of real IMDB sentences, with the loss of the first steps compared (fp32: within 1e-4).
Prints a markdown table.

    .venv/bin/python scripts/bench_pretrain.py --threads 2                    # cpu_small shape
    .venv/bin/python scripts/bench_pretrain.py --config configs/pretrain/imdb.jsonnet --batch-size 128
"""


def main(argv: Optional[List[str]] = None) -> None:
    """The benchmark of `scripts/bench_pretrain.py`: prints the markdown table of `compare`."""
    parser = argparse.ArgumentParser(description=MAIN_DOC, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=os.path.join(PROJECT_ROOT, "configs", "pretrain", "cpu_small.jsonnet"),
                        help="a pre-training config: its model options and num_samples are used")
    parser.add_argument("--corpus", default=os.path.join(os.environ.get("SST_ELMO_DATA") or
                                                         os.path.join(SHARED, "data"),
                                                         "imdb", "unsup.txt.gz"))
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--batches", type=int, default=12, help="steps per side (the first 2 are not timed)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sides", default=None,
                        help="comma-separated, of allennlp, fast, fast_bf16 (default: all three where the "
                             "CPU has native bf16, else allennlp,fast: emulated bf16 is far slower than fp32)")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    model = Params.from_file(args.config).as_dict()["model"]
    data = corpus_batches(args.corpus, args.batches, args.batch_size)
    native = native_bf16()
    sides = args.sides.split(",") if args.sides else ["allennlp", "fast"] + (["fast_bf16"] if native else [])
    # Emulated bf16 products run at well under 1 GFLOP/s: a small probe tells so in seconds.
    peaks = {"float32": matmul_gflops(size=2048, repeats=10, threads=args.threads, dtype="float32"),
             "bfloat16": matmul_gflops(size=2048 if native else 256, repeats=10 if native else 2,
                                       threads=args.threads, dtype="bfloat16")}
    print(f"# elmo_bilm pre-training speed ({time.strftime('%Y-%m-%d')}, {cpu_field('model name') or 'CPU'}, "
          f"{os.cpu_count()} cores, {args.threads} threads, torch {torch.__version__})")
    print(f"config {os.path.relpath(args.config)}; {args.batches} batches of {args.batch_size} IMDB sentences "
          f"(the first 2 not timed); matmul peak (2048 x 2048 products): fp32 {peaks['float32']:.0f} GFLOP/s, "
          f"bf16 {peaks['bfloat16']:.{0 if native else 1}f} GFLOP/s"
          f"{'' if native else ' (no native bf16 on this CPU: emulated)'}\n")
    results = compare(data["vocab"], data["batches"], model["options"], num_samples=model.get("num_samples"),
                      sides=sides)
    print(result_table(results, peaks))
    if args.json:
        atomic_write(args.json, json.dumps({"peaks": peaks, "sides": results}, indent=1))


def result_table(results: Dict[str, Any], peaks: Dict[str, float]) -> str:
    """`compare`'s results as a markdown table; each side's rate against the peak of its dtype."""
    flops_per_word = next((result["flops_per_word"] for result in results.values() if "flops_per_word" in result),
                          None)
    lines = []
    if flops_per_word is not None:
        lines.append(f"matrix work of a training step (forward + backward, fast path's count): "
                     f"{flops_per_word / 1e6:.1f} MFLOP per word\n")
    lines += ["| side | words/s | speed-up | GFLOP/s | share of the matmul peak | max loss difference, "
              "first 5 steps |", "|---|---|---|---|---|---|"]
    for side, result in results.items():
        dtype = "bf16" if side.endswith("bf16") else "fp32"
        peak = peaks["bfloat16" if dtype == "bf16" else "float32"]
        rate = result.get("gflops")
        share = f"{rate / peak:.0%} of {dtype}" if rate else "-"
        speedup = f"{result['speedup']:.2f}x" if "speedup" in result else "-"
        difference = f"{result['max_loss_difference']:.2e}" if "max_loss_difference" in result else "-"
        lines.append(f"| {side} | {result['words_per_second']:,.0f} | {speedup} | "
                     f"{f'{rate:.0f}' if rate else '-'} | {share} | {difference} |")
    return "\n".join(lines) + "\n"
