#!/usr/bin/env bash
# The main job end to end: train a classifier from a config, evaluate it on the test set,
# and predict the sentiment of a few sentences, all through the `allennlp` CLI
# (sst_elmo/demo.py). Prints progress, the metrics and where the outputs are; the
# full output of every command goes to DEMO_OUT/demo.log.
#
#   DEMO_CONFIG   the config to train (default: configs/sst5_elmo.jsonnet)
#   DEMO_EPOCHS   the number of epochs (default 3, a few minutes with the shipped ELMo, which
#                 trains on every SST phrase; 0: the config's own 10, with early stopping)
#   DEMO_OUT      the output directory (default: runs/demo). It must not exist, be empty, or
#                 be an earlier demo output (it holds .sst_elmo_demo), which is replaced; any
#                 other directory is refused, never deleted. The model is trained in DEMO_OUT/model.
#
# Data and ELMo come from the SST_ELMO_* variables (README, "Running offline"). When they
# are unset, the project's own shipped ELMo (models/elmo-imdb, SST_ELMO_ELMO=imdb) is used if
# it is there, else AllenNLP's tiny test biLM from ../shared; with ../shared beside the
# project, its SST data is read, so that the demo runs with no network.
set -euo pipefail
cd "$(dirname "$0")/.."

config=${DEMO_CONFIG:-configs/sst5_elmo.jsonnet}
out=${DEMO_OUT:-runs/demo}
shared=${SST_ELMO_SHARED:-../shared}
marker=.sst_elmo_demo

if [ -e "$out" ] && [ ! -d "$out" ]; then
    echo "demo: DEMO_OUT=$out is a file, not a directory; choose another DEMO_OUT" >&2
    exit 1
elif [ -f "$out/$marker" ]; then
    echo "demo: replacing the earlier demo output in $out"
    rm -rf "$out"
elif [ -d "$out" ] && [ -n "$(ls -A "$out")" ]; then
    echo "demo: DEMO_OUT=$out is not empty and is not a demo output (no $marker in it);" \
         "choose another DEMO_OUT, or empty it yourself" >&2
    exit 1
fi
mkdir -p "$out"
touch "$out/$marker"

if [ -z "${SST_ELMO_DATA:-}" ] && [ -d "$shared/data/sst" ]; then
    export SST_ELMO_DATA="$shared/data"
fi
if [ -z "${SST_ELMO_OPTIONS:-}${SST_ELMO_ELMO:-}" ] && [ -f "${SST_ELMO_MODELS:-models}/elmo-imdb/weights.hdf5" ]; then
    echo "demo: using the project's own ELMo, models/elmo-imdb (pre-trained on IMDB reviews)," \
         "read from the activation cache after the first epoch (SST_ELMO_CACHE=0 runs the biLM)"
    export SST_ELMO_ELMO=imdb SST_ELMO_CACHE="${SST_ELMO_CACHE:-1}"
elif [ -z "${SST_ELMO_OPTIONS:-}${SST_ELMO_ELMO:-}" ] && [ -f "$shared/elmo/fixture/options.json" ]; then
    echo "demo: using AllenNLP's tiny test biLM from $shared/elmo/fixture (wiring only, not a" \
         "real ELMo; set SST_ELMO_ELMO or SST_ELMO_OPTIONS/SST_ELMO_WEIGHTS for one)"
    export SST_ELMO_OPTIONS="$shared/elmo/fixture/options.json"
    export SST_ELMO_WEIGHTS="$shared/elmo/fixture/lm_weights.hdf5"
fi
if [ -z "${SST_ELMO_GLOVE_FILE:-}" ] && [ -f "$shared/data/glove/glove.6B.50d.top2445.txt" ]; then
    export SST_ELMO_GLOVE=6B.50d SST_ELMO_GLOVE_FILE="$shared/data/glove/glove.6B.50d.top2445.txt"
fi
exec .venv/bin/python -m sst_elmo.demo --config "$config" --out "$out" --epochs "${DEMO_EPOCHS:-3}"
