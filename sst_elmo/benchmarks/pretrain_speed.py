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
import platform
import time
from typing import Any, Dict, Iterable, List, Optional

import numpy
import torch
from allennlp.common import Params
from allennlp.data import Batch, Vocabulary

from sst_elmo.common.config_env import PROJECT_ROOT, SHARED
from sst_elmo.common.cpu import matmul_gflops
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
    seconds, and words/s over the steps after `warmup`.
    """
    torch.manual_seed(seed)
    numpy.random.seed(seed)
    model = ElmoBiLm(vocab, options=options, num_samples=num_samples, fast_forward=fast_forward, bf16=bf16)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses, seconds, words = [], [], []
    for batch in batches:
        start = time.perf_counter()
        optimizer.zero_grad()
        loss = model(**batch)["loss"]
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        optimizer.step()
        seconds.append(time.perf_counter() - start)
        losses.append(float(loss))
        words.append(count_words(batch))
    timed = slice(warmup, None)
    return {
        "losses": losses,
        "seconds": seconds,
        "words_per_second": sum(words[timed]) / max(sum(seconds[timed]), 1e-9),
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
    `allennlp` side's loss over the first `compare_steps` steps.
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
    parser.add_argument("--sides", default="allennlp,fast,fast_bf16")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    model = Params.from_file(args.config).as_dict()["model"]
    data = corpus_batches(args.corpus, args.batches, args.batch_size)
    machine = platform.processor() or platform.machine()
    gflops = matmul_gflops(threads=args.threads)
    print(f"# elmo_bilm pre-training speed ({time.strftime('%Y-%m-%d')}, {machine}, "
          f"{args.threads} threads, fp32 matmul {gflops:.0f} GFLOP/s)")
    print(f"config {os.path.relpath(args.config)}; {args.batches} batches of {args.batch_size} IMDB sentences\n")
    results = compare(data["vocab"], data["batches"], model["options"], num_samples=model.get("num_samples"),
                      sides=args.sides.split(","))
    print("| side | words/s | speed-up | max loss difference, first 5 steps |")
    print("|---|---|---|---|")
    for side, result in results.items():
        print(f"| {side} | {result['words_per_second']:,.0f} | {result.get('speedup', float('nan')):.2f}x | "
              f"{result.get('max_loss_difference', float('nan')):.2e} |")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=1)

