#!/usr/bin/env bash
# First results on the real SST (../shared/data/sst): the SST-5 and SST-2 baselines with
# GloVe 6B.50d (the 2,445-word sample in ../shared), and the SST-5 ELMo config with
# AllenNLP's tiny test biLM (a wiring check, not a real ELMo). Runs that already have a
# metrics.json are kept. Prints a markdown table built from the metrics files.
#   scripts/first_results.sh [RUNS_DIR]    (default runs/first_results)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-runs/first_results}
shared=${SST_ELMO_SHARED:-../shared}
[ -d "$shared/data/sst" ] || { echo "first_results: needs $shared/data (set SST_ELMO_SHARED)" >&2; exit 1; }

export SST_ELMO_DATA="$shared/data"
export SST_ELMO_GLOVE=6B.50d SST_ELMO_GLOVE_FILE="$shared/data/glove/glove.6B.50d.top2445.txt"
fixture_elmo=(SST_ELMO_OPTIONS="$shared/elmo/fixture/options.json"
              SST_ELMO_WEIGHTS="$shared/elmo/fixture/lm_weights.hdf5")

train() {  # name config [VAR=value ...]
    local name=$1 config=$2; shift 2
    if [ -f "$runs/$name/metrics.json" ]; then echo "first_results: $name done, kept"; return; fi
    rm -rf "${runs:?}/$name"; mkdir -p "$runs"
    echo "first_results: training $name ($config), log in $runs/$name.log"
    env "$@" .venv/bin/allennlp train "$config" -s "$runs/$name" > "$runs/$name.log" 2>&1
}

train sst5_lstm configs/sst5_lstm.jsonnet
train sst2_lstm configs/sst2_lstm.jsonnet
train sst5_elmo_fixture configs/sst5_elmo.jsonnet "${fixture_elmo[@]}"
.venv/bin/python scripts/results_table.py "$runs"/*/
