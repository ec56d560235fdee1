"""
Measures the pre-training speed of candidate biLM shapes, to choose one for a time budget
(configs/pretrain/cpu_small.jsonnet was chosen with it).

Each shape runs a few `elmo_bilm` training steps (forward, backward, Adam) on random batches of
`--batch-size` sentences of `--tokens` words with a sampled softmax over a `--vocab`-word vocabulary,
and prints seconds per batch and words per second. No data and no download needed.

    .venv/bin/python scripts/pretrain_shapes.py                # every shape
    .venv/bin/python scripts/pretrain_shapes.py 512_128_256cnn --threads 2
"""
import argparse
import time
from typing import List, Optional

import torch
from allennlp.data import Vocabulary

from sst_elmo.models.elmo_bilm import ElmoBiLm

NARROW_CNN = [[1, 32], [2, 32], [3, 64], [4, 128]]
WIDE_CNN = NARROW_CNN + [[5, 256]]


def options(dim: int, projection_dim: int, filters) -> dict:
    return {
        "lstm": {"cell_clip": 3, "use_skip_connections": True, "n_layers": 2, "proj_clip": 3,
                 "projection_dim": projection_dim, "dim": dim},
        "char_cnn": {"embedding": {"dim": 16}, "filters": filters, "n_highway": 1,
                     "n_characters": 262, "max_characters_per_token": 50, "activation": "relu"},
    }


SHAPES = {
    "256_64_256cnn": options(256, 64, NARROW_CNN),
    "512_128_256cnn": options(512, 128, NARROW_CNN),  # cpu_small
    "1024_128_256cnn": options(1024, 128, NARROW_CNN),
    "512_256_512cnn": options(512, 256, WIDE_CNN),
}


def measure(shape: dict, vocab: Vocabulary, args: argparse.Namespace) -> float:
    """Seconds per training step, averaged over `args.steps` after two warm-up steps."""
    model = ElmoBiLm(vocab, options=shape, num_samples=args.num_samples)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    # Shape: (batch_size, num_tokens, 50); words of 8 characters.
    characters = torch.randint(1, 260, (args.batch_size, args.tokens, 50))
    characters[:, :, 8:] = 0
    # Shape: (batch_size, num_tokens)
    words = torch.randint(2, args.vocab, (args.batch_size, args.tokens))
    tokens = {"elmo": {"elmo_tokens": characters}, "words": {"tokens": words}}
    model.train()
    for step in range(args.steps + 2):
        if step == 2:
            start = time.perf_counter()
        optimizer.zero_grad()
        model(tokens)["loss"].backward()
        optimizer.step()
    return (time.perf_counter() - start) / args.steps


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("shapes", nargs="*", help=f"any of {', '.join(SHAPES)} (default: all)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--tokens", type=int, default=24, help="words per sentence")
    parser.add_argument("--vocab", type=int, default=20000)
    parser.add_argument("--num-samples", type=int, default=1024)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args(argv)
    unknown = sorted(set(args.shapes) - set(SHAPES))
    if unknown:
        parser.error(f"unknown shape(s) {', '.join(unknown)}; choose from {', '.join(SHAPES)}")
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    vocab = Vocabulary()
    vocab.add_tokens_to_namespace([f"w{i}" for i in range(args.vocab)], "lm_words")
    print(f"batches of {args.batch_size} x {args.tokens} words, {args.threads} threads")
    for name in args.shapes or SHAPES:
        seconds = measure(SHAPES[name], vocab, args)
        words_per_second = args.batch_size * args.tokens / seconds
        print(f"{name:>16}: {seconds:.3f} s/batch, {words_per_second:,.0f} words/s", flush=True)

