#!/usr/bin/env python
"""
Prediction speed of the real commands on the same sentences, side by side: `allennlp predict`
(batch size 1, its default; and --batch-size 32) and `allennlp sst-predict` (defaults), for an
`sst2_lstm` model and two `sst2_elmo` models with a frozen ELMo (default: the shipped
`models/elmo-imdb`): through AllenNLP's `Elmo` (`stateless_elmo`), and with the activation
cache on (`cached_elmo`, unseen sentences through `FastElmoBiLm`; the cache is emptied before
each command); with the start-up of each command, the import time of `sst_elmo` and the matrix speed
this process gets. The logic is `sst_elmo.experiments.predict_speed`; speed only, no assertions.

    .venv/bin/python scripts/bench_predict.py --threads 1
"""
import argparse
import os
import platform
import tempfile

import sst_elmo  # noqa: F401  (before any arithmetic: MKL's fast path on AMD)
from sst_elmo.common.cpu import matmul_gflops
from sst_elmo.experiments.predict_speed import (
    import_seconds,
    prediction_rows,
    speed_table,
    sst_sentences,
    train_small_models,
)

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.path.join(HERE, "..", "..", "shared"))
    parser.add_argument("--out", default=None, help="models and inputs (default: a new temporary directory)")
    parser.add_argument("--sentences", type=int, default=10_000, help="input lines for the LSTM model")
    parser.add_argument("--elmo-sentences", type=int, default=1_000, help="input lines for the ELMo model")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--elmo", default=os.path.join(HERE, "..", "models", "elmo-imdb"),
                        help="ELMo directory (options.json, weights.hdf5) of the ELMo models (default: the "
                             "shipped models/elmo-imdb); 'random': random weights of the published small shape")
    args = parser.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="bench_predict_")
    print(f"{platform.processor() or platform.machine()}, {args.threads} thread(s); "
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
    main()
