#!/usr/bin/env bash
# Wall time of N training epochs of configs/sst5_elmo.jsonnet without and with the ELMo
# activation cache, side by side, with the dev accuracy of both and the speed-up.
#
#   SST_ELMO_OPTIONS=.../options.json SST_ELMO_WEIGHTS=.../weights.hdf5 \
#     SST_ELMO_DATA=../shared/data scripts/bench_cached_training.sh [EPOCHS] [OUT]
#
# 1. uncached: stateless_elmo (AllenNLP's elmo_token_embedder, state reset per batch; the
#    biLM runs on every batch of every epoch);
# 2. cached: a fresh, empty cache directory, then `allennlp elmo-cache` (the fill, timed) and
#    training with SST_ELMO_CACHE=1 (cached_elmo).
# Both runs use the config's seeds and settings; early stopping is turned off so both run
# EPOCHS epochs, and the test set is not evaluated. Logs go to OUT/*.log; the table reads
# OUT/*/metrics.json. A benchmark, not a test: it asserts nothing.
# BENCH_MAX_TRAIN=N trains both runs on the first N training sentences only (validation stays
# whole), to measure the same ratio at a fraction of the time.
# BENCH_RANDOM_ELMO=path/options.json uses random weights of that shape instead of
# SST_ELMO_OPTIONS/SST_ELMO_WEIGHTS (e.g. ../shared/elmo/small/options.json, the published small
# ELMo's shape), written to OUT/elmo.
set -euo pipefail
cd "$(dirname "$0")/.."
# The lab (scripts/sst_elmo_lab) runs from the checkout: its modules run with python -m.
export PYTHONPATH="$PWD/scripts${PYTHONPATH:+:$PYTHONPATH}"

epochs="${1:-10}"
out="${2:-runs/bench_cached_training}"
config="${BENCH_CONFIG:-configs/sst5_elmo.jsonnet}"
allennlp="${ALLENNLP:-.venv/bin/allennlp}"
if [ -e "$out" ]; then
    echo "$out exists; remove it or name another output directory" >&2
    exit 2
fi
if [ -n "${BENCH_RANDOM_ELMO:-}" ]; then
    mkdir -p "$out"
    # Random weights in the shape of that options.json (speed only; the accuracies mean nothing).
    .venv/bin/python -m sst_elmo_lab.benchmarks.cached_training random-elmo "$BENCH_RANDOM_ELMO" "$out/elmo"
    export SST_ELMO_OPTIONS="$out/elmo/options.json" SST_ELMO_WEIGHTS="$out/elmo/weights.hdf5"
elif [ -z "${SST_ELMO_OPTIONS:-}" ] || [ -z "${SST_ELMO_WEIGHTS:-}" ]; then
    echo "set SST_ELMO_OPTIONS and SST_ELMO_WEIGHTS to the ELMo files to use, or BENCH_RANDOM_ELMO" >&2
    exit 2
fi
mkdir -p "$out"
.venv/bin/python -c "from sst_elmo.common.cpu import matmul_gflops; print(f'fp32 matmul: {matmul_gflops():.0f} GFLOP/s')"
overrides="{\"trainer.num_epochs\": $epochs, \"trainer.patience\": $((epochs + 1)), \"evaluate_on_test\": false"
if [ -n "${BENCH_MAX_TRAIN:-}" ]; then
    overrides="$overrides, \"dataset_reader.max_instances\": $BENCH_MAX_TRAIN"
fi
overrides="$overrides}"

now() { date +%s.%N; }

start=$(now)
SST_ELMO_CACHE= "$allennlp" train "$config" -s "$out/uncached" -o "$overrides" >"$out/uncached.log" 2>&1
uncached=$(echo "$(now) - $start" | bc)

export SST_ELMO_CACHE_DIR="$out/cache"
start=$(now)
SST_ELMO_CACHE=1 "$allennlp" elmo-cache "$config" -o "$overrides" >"$out/fill.log" 2>&1
fill=$(echo "$(now) - $start" | bc)
start=$(now)
SST_ELMO_CACHE=1 "$allennlp" train "$config" -s "$out/cached" -o "$overrides" >"$out/cached.log" 2>&1
cached=$(echo "$(now) - $start" | bc)

.venv/bin/python -m sst_elmo_lab.benchmarks.cached_training cached-training "$out" "$epochs" "$uncached" "$fill" "$cached"
