"""
Tokens per second of AllenNLP's `Elmo` and of `Elmo` running `FastElmoBiLm`, on the same
sentences with the same weights, side by side, with the maximum absolute difference of
their ELMo vectors (`scripts/bench_elmo_forward.py`).

    .venv/bin/python scripts/bench_elmo_forward.py --max-sentences 300

By default the weights are random, in the published small shape
(../shared/elmo/small/options.json), written with `sst_elmo.elmo.files.hdf5_layout` at scale 0.03.
At a larger scale (0.3) the random LSTM is chaotic: AllenNLP's own output for a sentence
changes by up to 6 (the clip range) between two batchings, so no comparison means anything.
Use --elmo-options/--elmo-weights for a real ELMo. Both sides reset the LSTM state for every
batch (stateless, as `stateless_elmo` and `cached_elmo`); speed only, no timed assertions.
"""
import argparse
import json
import os
import tempfile
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
from allennlp.modules.elmo import Elmo, batch_to_ids

from sst_elmo.common.config_env import SHARED
from sst_elmo.common.cpu import matmul_gflops
from sst_elmo.elmo.runtime.fast_bilm import FastElmoBiLm
from sst_elmo.testing.elmo import write_random_elmo

# The sides compared, in order: (name, FastElmoBiLm or AllenNLP's biLM, bf16, length-sorted batches).
SIDES = [
    ("AllenNLP Elmo, batches in file order", False, False, False),
    ("AllenNLP Elmo, length-sorted batches", False, False, True),
    ("FastElmoBiLm, batches in file order", True, False, False),
    ("FastElmoBiLm, length-sorted batches", True, False, True),
    ("FastElmoBiLm bf16, length-sorted batches", True, True, True),
]


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    shared = os.environ.get("SST_ELMO_SHARED", SHARED)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--elmo-options", default=os.path.join(shared, "elmo", "small", "options.json"))
    parser.add_argument("--elmo-weights", default=None, help="default: random weights of --elmo-options' shape")
    parser.add_argument("--sentences", default=os.path.join(shared, "data", "sst", "dev.txt"),
                        help="PTB trees or one whitespace-tokenized sentence per line")
    parser.add_argument("--max-sentences", type=int, default=0, help="0: all")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--no-bf16", action="store_true", help="skip the bfloat16 run")
    parser.add_argument("--profile", action="store_true",
                        help="also profile FastElmoBiLm on the sorted batches (torch.profiler, top operations)")
    parser.add_argument("--ops", action="store_true",
                        help="also time the single operations behind FastElmoBiLm's choices")
    return parser.parse_args(argv)


def read_sentences(path: str, limit: int) -> List[List[str]]:
    """The first `limit` sentences (all for -1) of PTB trees or whitespace-tokenized lines."""
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


def fast_elmo(reference: Elmo, bf16: bool = False) -> Elmo:
    """`reference` with its biLM run by `FastElmoBiLm` (a fresh word memo each call)."""
    module = FastElmoBiLm(reference._elmo_lstm, autocast_bf16=bf16)
    elmo = Elmo(None, None, 1, dropout=0.0, module=module).eval()
    elmo.scalar_mix_0.load_state_dict(reference.scalar_mix_0.state_dict())
    return elmo


def time_sides(reference: Elmo, sentences: List[List[str]], batch_size: int, sides: Sequence[tuple]) -> Dict:
    """`{side: (seconds, outputs, matrix FLOPs or None)}` for each of `SIDES`, after a warm-up of each kind."""
    tokens = sum(len(s) for s in sentences)
    run(reference, sentences[:batch_size], batch_size, True)  # warm-up
    run(fast_elmo(reference), sentences[:batch_size], batch_size, True)
    results = {}
    for name, fast, bf16, sort in sides:
        elmo = fast_elmo(reference, bf16) if fast else reference
        seconds, outputs = run(elmo, sentences, batch_size, sort)
        results[name] = (seconds, outputs, getattr(elmo._elmo_lstm, "matrix_flops", None))
        print(f"{name:42s} {seconds:8.2f} s {tokens / seconds:9.0f} tokens/s")
    return results


def print_comparison(results: Dict, peak: float) -> None:
    """The speed-ups, the fp32 differences and the FLOP rate of `time_sides`' results."""
    base_s, base, _ = results["AllenNLP Elmo, batches in file order"]
    sorted_s, sorted_ref, _ = results["AllenNLP Elmo, length-sorted batches"]
    fast_s, fast_out, executed = results["FastElmoBiLm, length-sorted batches"]
    print(f"speed-up, FastElmoBiLm sorted vs AllenNLP in file order: {base_s / fast_s:.2f}x")
    print(f"speed-up, same length-sorted batches on both sides:     {sorted_s / fast_s:.2f}x")
    print(f"speed-up, same file-order batches on both sides:        "
          f"{base_s / results['FastElmoBiLm, batches in file order'][0]:.2f}x")
    print(f"max abs difference FastElmoBiLm vs AllenNLP (fp32): {max_difference(fast_out, sorted_ref):.2e}")
    print(f"FastElmoBiLm, length-sorted: {executed / 1e9:.1f} GFLOP of matrix products and convolutions executed, "
          f"{executed / fast_s / 1e9:.1f} GFLOP/s = {executed / fast_s / 1e9 / peak:.0%} of the fp32 peak")
    print(f"  (AllenNLP vs itself, file order vs sorted batches: {max_difference(base, sorted_ref):.2e})")


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    weights = args.elmo_weights
    if weights is None:
        directory = tempfile.mkdtemp(prefix="bench_elmo_")
        args.elmo_options, weights = write_random_shaped_elmo(args.elmo_options, directory)
    sentences = read_sentences(args.sentences, args.max_sentences or -1)
    peak = matmul_gflops(size=2048, repeats=10, threads=args.threads)
    print(f"{len(sentences)} sentences, {sum(len(s) for s in sentences)} tokens, batch size {args.batch_size}, "
          f"{args.threads} threads, torch {torch.__version__}; fp32 peak (2048x2048 products): {peak:.0f} GFLOP/s")
    reference = Elmo(args.elmo_options, weights, 1, dropout=0.0).eval()
    results = time_sides(reference, sentences, args.batch_size, SIDES[:4] if args.no_bf16 else SIDES)
    print_comparison(results, peak)
    if args.profile:
        from torch.profiler import ProfilerActivity, profile

        with profile(activities=[ProfilerActivity.CPU]) as profiler:
            run(fast_elmo(reference), sentences, args.batch_size, True)
        print(profiler.key_averages().table(sort_by="self_cpu_time_total", row_limit=12))
    if args.ops:
        print(operation_table(operation_timings()))
    if not args.no_bf16:
        sorted_ref = results["AllenNLP Elmo, length-sorted batches"][1]
        bf16_out = results["FastElmoBiLm bf16, length-sorted batches"][1]
        print(f"max abs difference FastElmoBiLm bf16 vs AllenNLP fp32: {max_difference(bf16_out, sorted_ref):.2e} "
              f"(largest |value| {max(float(o.abs().max()) for o in sorted_ref):.2f})")


def operation_timings(repeats: int = 50) -> List[Tuple[str, str, float, str, float]]:
    """
    The single-operation timings behind `FastElmoBiLm`'s choices, in this process (one call
    each, after a warm-up; seconds per call): `(what, slower way, seconds, faster way,
    seconds)`, on the shapes of the published small ELMo with batches of 64.
    """
    import torch

    def seconds(function: Callable[[], object]) -> float:
        for _ in range(3):
            function()
        start = time.perf_counter()
        for _ in range(repeats):
            function()
        return (time.perf_counter() - start) / repeats

    gates = torch.randn(2, 64, 4096)
    # Shape: (words, windows, filters), the CNN's output before the max over positions.
    convolved = torch.randn(256, 12, 2048)
    state, weight = torch.randn(2, 64, 128), torch.randn(2, 4096, 128)
    contiguous = weight.transpose(1, 2).contiguous()
    return [
        ("the LSTM gates' non-linearity, 2 x 64 x 4,096 values",
         "torch.tanh", seconds(lambda: torch.tanh(gates)),
         "torch.sigmoid", seconds(lambda: torch.sigmoid(gates))),
        ("max over the CNN's positions, 256 x 12 x 2,048",
         "max(dim=1) (with indices)", seconds(lambda: convolved.max(dim=1)),
         "amax(dim=1)", seconds(lambda: convolved.amax(dim=1))),
        ("state product, (2, 64, 128) x (2, 128, 4,096)",
         "bmm, contiguous weights", seconds(lambda: torch.bmm(state, contiguous)),
         "bmm, the stored weights transposed", seconds(lambda: torch.bmm(state, weight.transpose(1, 2)))),
    ]


def operation_table(rows: List[Tuple[str, str, float, str, float]]) -> str:
    """`operation_timings` as a markdown table with the ratios."""
    lines = ["| operation | slower | µs | faster | µs | ratio |", "|---|---|---|---|---|---|"]
    for what, slow_name, slow, fast_name, fast in rows:
        lines.append(f"| {what} | {slow_name} | {slow * 1e6:,.0f} | {fast_name} | {fast * 1e6:,.0f} "
                     f"| {slow / fast:.1f}x |")
    return "\n".join(lines) + "\n"


def write_random_shaped_elmo(options_path: str, out_dir: str) -> List[str]:
    """
    `options.json` and random `weights.hdf5` in `out_dir`, in the shape of `options_path`, at
    the scale 0.03 of this benchmark (speed only).
    """
    with open(options_path, encoding="utf-8") as handle:
        options = json.load(handle)
    os.makedirs(out_dir, exist_ok=True)
    return list(write_random_elmo(out_dir, options, scale=0.03))
