#!/usr/bin/env bash
# The project's own ELMo against the no-ELMo baseline on SST-5 and SST-2:
# 3 seeds per config, every config through `allennlp train` via scripts/run_grid.py, with the
# frozen ELMo read from the activation cache (same numbers as running the biLM, see docs/speed.md).
#
#   scripts/own_elmo_sst.sh [ELMO_DIR] [OUT]
#
# ELMO_DIR: an exported ELMo (options.json, weights.hdf5); default runs/pretrain/cpu_small/elmo,
# which `scripts/pretrain_elmo.py` writes. OUT: default runs/own_elmo. Grids:
# configs/grids/own_elmo_sst5.json and own_elmo_sst2.json. Finished runs are kept (resumable).
# Word vectors: the 2,445-word GloVe 6B.50d sample in ../shared (SST_ELMO_GLOVE_FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
elmo="${1:-runs/pretrain/cpu_small/elmo}"
out="${2:-runs/own_elmo}"
shared="${SST_ELMO_SHARED:-$(cd .. && pwd)/shared}"
for file in "$elmo/options.json" "$elmo/weights.hdf5"; do
    [ -f "$file" ] || { echo "own_elmo_sst.sh: $file is missing (run scripts/pretrain_elmo.py first)" >&2; exit 2; }
done
export SST_ELMO_DATA="${SST_ELMO_DATA:-$shared/data}"
export SST_ELMO_GLOVE=6B.50d SST_ELMO_GLOVE_FILE="${SST_ELMO_GLOVE_FILE:-$shared/data/glove/glove.6B.50d.top2445.txt}"
export SST_ELMO_OPTIONS="$(realpath "$elmo/options.json")" SST_ELMO_WEIGHTS="$(realpath "$elmo/weights.hdf5")"
export SST_ELMO_CACHE=1 SST_ELMO_CACHE_DIR="${SST_ELMO_CACHE_DIR:-cache/elmo}"
jobs="${JOBS:-1}"

# One fill covers every config: SST-2 sentences are a subset of SST-5's, and the cache is
# keyed by the sentence and the ELMo files only.
.venv/bin/allennlp elmo-cache configs/sst5_elmo.jsonnet
# SST-5 and SST-2 first; then ELMo + GloVe on SST-5, whose grid repeats the SST-5 one (those
# runs are kept) so that its report covers all three configs.
for grid in sst5 sst2 sst5_glove; do
    task="${grid%_glove}"
    .venv/bin/python scripts/run_grid.py --grid "configs/grids/own_elmo_$grid.json" --out "$out/$task" \
        --jobs "$jobs" --threads "${THREADS:-1}" || echo "own_elmo_sst.sh: some $grid runs failed; see $out/$task/status" >&2
done
cat "$out"/sst5/report/summary.md "$out"/sst2/report/summary.md
