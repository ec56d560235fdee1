#!/usr/bin/env python
"""
Pre-training speed of `elmo_bilm`: AllenNLP's own biLM modules (`fast_forward=false`) against the fast
path (`fast_forward=true`, the default; and with bf16 autocast), side by side in one run on the same
batches of real IMDB sentences, with the loss of the first steps compared (fp32: within 1e-4).
The logic is `sst_elmo.experiments.pretrain_speed`; this prints a markdown table.

    .venv/bin/python scripts/bench_pretrain.py --threads 2                    # cpu_small shape
    .venv/bin/python scripts/bench_pretrain.py --config configs/pretrain/imdb.jsonnet --batch-size 128
"""
import argparse
import json
import os
import platform
import time

import torch
from allennlp.common import Params

import sst_elmo  # noqa: F401  (before torch does any arithmetic: MKL's fast path on AMD)
from sst_elmo.common.cpu import matmul_gflops
from sst_elmo.experiments.pretrain_speed import compare, corpus_batches

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=os.path.join(HERE, "..", "configs", "pretrain", "cpu_small.jsonnet"),
                        help="a pre-training config: its model options and num_samples are used")
    parser.add_argument("--corpus", default=os.path.join(os.environ.get("SST_ELMO_DATA") or
                                                         os.path.join(HERE, "..", "..", "shared", "data"),
                                                         "imdb", "unsup.txt.gz"))
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--batches", type=int, default=12, help="steps per side (the first 2 are not timed)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sides", default="allennlp,fast,fast_bf16")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()

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


if __name__ == "__main__":
    main()
