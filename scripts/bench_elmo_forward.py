#!/usr/bin/env python
"""
Tokens per second of AllenNLP's `Elmo` and of `Elmo` running `FastElmoBiLm`, on the same
sentences with the same weights, side by side, with the maximum absolute difference of
their ELMo vectors.

    .venv/bin/python scripts/bench_elmo_forward.py --max-sentences 300

By default the weights are random, in the published small shape
(../shared/elmo/small/options.json), written with `sst_elmo.elmo.hdf5_layout` at scale 0.03.
At a larger scale (0.3) the random LSTM is chaotic: AllenNLP's own output for a sentence
changes by up to 6 (the clip range) between two batchings, so no comparison means anything.
Use --elmo-options/--elmo-weights for a real ELMo. Both sides reset the LSTM state for every
batch (stateless, as `stateless_elmo` and `cached_elmo`); speed only, no timed assertions.
"""
import argparse
import os
import sys
import tempfile
import time
from typing import List

import torch
from allennlp.modules.elmo import Elmo, batch_to_ids

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from sst_elmo.common.cpu import matmul_gflops  # noqa: E402
from sst_elmo.elmo.fast_bilm import FastElmoBiLm  # noqa: E402
from sst_elmo.elmo.hdf5_layout import random_weights, write_options, write_weights  # noqa: E402
from sst_elmo.experiments.benchmarks import operation_table, operation_timings  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("SST_ELMO_SHARED", os.path.join(HERE, "..", "..", "shared"))


def read_sentences(path: str, limit: int) -> List[List[str]]:
    from nltk import Tree

    sentences = []
    with open(path) as handle:
        for line in handle:
            line = line.strip()
            if line:
                sentences.append(Tree.fromstring(line).leaves() if line.startswith("(") else line.split())
            if len(sentences) == limit:
                break
    return sentences


def run(elmo: Elmo, sentences: List[List[str]], batch_size: int, sort: bool):
    """Seconds, and each sentence's vectors (input order)."""
    order = list(range(len(sentences)))
    if sort:
        order.sort(key=lambda i: -len(sentences[i]))
    outputs = [None] * len(sentences)
    start = time.perf_counter()
    with torch.no_grad():
        for begin in range(0, len(order), batch_size):
            batch = order[begin : begin + batch_size]
            module = elmo._elmo_lstm
            if hasattr(module, "_elmo_lstm"):
                module._elmo_lstm.reset_states()
            vectors = elmo(batch_to_ids([sentences[i] for i in batch]))["elmo_representations"][0]
            for row, i in enumerate(batch):
                outputs[i] = vectors[row, : len(sentences[i])]
    return time.perf_counter() - start, outputs


def max_difference(first, second) -> float:
    return max(float((a - b).abs().max()) for a, b in zip(first, second))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--elmo-options", default=os.path.join(SHARED, "elmo", "small", "options.json"))
    parser.add_argument("--elmo-weights", default=None, help="default: random weights of --elmo-options' shape")
    parser.add_argument("--sentences", default=os.path.join(SHARED, "data", "sst", "dev.txt"),
                        help="PTB trees or one whitespace-tokenized sentence per line")
    parser.add_argument("--max-sentences", type=int, default=0, help="0: all")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--no-bf16", action="store_true", help="skip the bfloat16 run")
    parser.add_argument("--profile", action="store_true",
                        help="also profile FastElmoBiLm on the sorted batches (torch.profiler, top operations)")
    parser.add_argument("--ops", action="store_true",
                        help="also time the single operations behind FastElmoBiLm's choices")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    weights = args.elmo_weights
    if weights is None:
        import json

        directory = tempfile.mkdtemp(prefix="bench_elmo_")
        with open(args.elmo_options) as handle:
            options = json.load(handle)
        options_path, weights = os.path.join(directory, "options.json"), os.path.join(directory, "weights.hdf5")
        write_options(options, options_path)
        write_weights(random_weights(options, seed=0, scale=0.03), weights)
        args.elmo_options = options_path

    sentences = read_sentences(args.sentences, args.max_sentences or -1)
    tokens = sum(len(s) for s in sentences)
    peak = matmul_gflops(size=2048, repeats=10, threads=args.threads)
    print(f"{len(sentences)} sentences, {tokens} tokens, batch size {args.batch_size}, "
          f"{args.threads} threads, torch {torch.__version__}; fp32 peak (2048x2048 products): {peak:.0f} GFLOP/s")

    reference = Elmo(args.elmo_options, weights, 1, dropout=0.0).eval()

    def fast(bf16: bool = False) -> Elmo:  # a fresh word memo for every run
        module = FastElmoBiLm(reference._elmo_lstm, autocast_bf16=bf16)
        elmo = Elmo(None, None, 1, dropout=0.0, module=module).eval()
        elmo.scalar_mix_0.load_state_dict(reference.scalar_mix_0.state_dict())
        return elmo

    run(reference, sentences[: args.batch_size], args.batch_size, True)  # warm-up
    run(fast(), sentences[: args.batch_size], args.batch_size, True)
    results, flops = {}, {}
    for name, elmo, sort in [
        ("AllenNLP Elmo, batches in file order", reference, False),
        ("AllenNLP Elmo, length-sorted batches", reference, True),
        ("FastElmoBiLm, batches in file order", fast(), False),
        ("FastElmoBiLm, length-sorted batches", fast(), True),
    ] + ([] if args.no_bf16 else [("FastElmoBiLm bf16, length-sorted batches", fast(True), True)]):
        seconds, outputs = run(elmo, sentences, args.batch_size, sort)
        results[name] = (seconds, outputs)
        flops[name] = getattr(elmo._elmo_lstm, "matrix_flops", None)
        print(f"{name:42s} {seconds:8.2f} s {tokens / seconds:9.0f} tokens/s")

    base_s, base = results["AllenNLP Elmo, batches in file order"]
    sorted_s, sorted_ref = results["AllenNLP Elmo, length-sorted batches"]
    fast_s, fast_out = results["FastElmoBiLm, length-sorted batches"]
    print(f"speed-up, FastElmoBiLm sorted vs AllenNLP in file order: {base_s / fast_s:.2f}x")
    print(f"speed-up, same length-sorted batches on both sides:     {sorted_s / fast_s:.2f}x")
    print(f"speed-up, same file-order batches on both sides:        "
          f"{base_s / results['FastElmoBiLm, batches in file order'][0]:.2f}x")
    print(f"max abs difference FastElmoBiLm vs AllenNLP (fp32): {max_difference(fast_out, sorted_ref):.2e}")
    executed = flops["FastElmoBiLm, length-sorted batches"]
    print(f"FastElmoBiLm, length-sorted: {executed / 1e9:.1f} GFLOP of matrix products and convolutions executed, "
          f"{executed / fast_s / 1e9:.1f} GFLOP/s = {executed / fast_s / 1e9 / peak:.0%} of the fp32 peak")
    print(f"  (AllenNLP vs itself, file order vs sorted batches: {max_difference(base, sorted_ref):.2e})")
    if args.profile:
        from torch.profiler import ProfilerActivity, profile

        with profile(activities=[ProfilerActivity.CPU]) as profiler:
            run(fast(), sentences, args.batch_size, True)
        print(profiler.key_averages().table(sort_by="self_cpu_time_total", row_limit=12))
    if args.ops:
        print(operation_table(operation_timings()))
    if not args.no_bf16:
        bf16_s, bf16_out = results["FastElmoBiLm bf16, length-sorted batches"]
        print(f"max abs difference FastElmoBiLm bf16 vs AllenNLP fp32: {max_difference(bf16_out, sorted_ref):.2e} "
              f"(largest |value| {max(float(o.abs().max()) for o in sorted_ref):.2f})")


if __name__ == "__main__":
    main()
