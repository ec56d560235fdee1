#!/usr/bin/env bash
# The main job end to end: train a classifier from a config, evaluate it on the test set,
# and predict the sentiment of a few sentences, all through the `allennlp` CLI.
#
#   DEMO_CONFIG   the config to train (default: configs/sst5_elmo.jsonnet)
#   DEMO_EPOCHS   override the number of epochs (default: the config's own)
#   DEMO_OUT      the output directory (default: runs/demo). It must not exist, be empty, or
#                 be an earlier demo output (it holds .sst_elmo_demo), which is replaced; any
#                 other directory is refused, never deleted. The model is trained in DEMO_OUT/model.
#
# Data and ELMo come from the SST_ELMO_* variables (README, "Running offline"). When they
# are unset and ../shared is beside the project, its SST data and AllenNLP's tiny test biLM
# are used so that the demo runs with no network.
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
model="$out/model"

if [ -z "${SST_ELMO_DATA:-}" ] && [ -d "$shared/data/sst" ]; then
    export SST_ELMO_DATA="$shared/data"
fi
if [ -z "${SST_ELMO_OPTIONS:-}${SST_ELMO_ELMO:-}" ] && [ -f "$shared/elmo/fixture/options.json" ]; then
    echo "demo: using AllenNLP's tiny test biLM from $shared/elmo/fixture (wiring only, not a" \
         "real ELMo; set SST_ELMO_ELMO or SST_ELMO_OPTIONS/SST_ELMO_WEIGHTS for one)"
    export SST_ELMO_OPTIONS="$shared/elmo/fixture/options.json"
    export SST_ELMO_WEIGHTS="$shared/elmo/fixture/lm_weights.hdf5"
fi
if [ -z "${SST_ELMO_GLOVE_FILE:-}" ] && [ -f "$shared/data/glove/glove.6B.50d.top2445.txt" ]; then
    export SST_ELMO_GLOVE=6B.50d SST_ELMO_GLOVE_FILE="$shared/data/glove/glove.6B.50d.top2445.txt"
fi
test_path=$(.venv/bin/python -c "
import sst_elmo, sys
from allennlp.common import Params
print(Params.from_file(sys.argv[1]).get('test_data_path', ''))" "$config")

overrides='{}'
if [ -n "${DEMO_EPOCHS:-}" ]; then overrides="{\"trainer.num_epochs\": $DEMO_EPOCHS}"; fi

echo "demo: 1/3 training $config into $model"
.venv/bin/allennlp train "$config" -s "$model" -o "$overrides"

if [ -n "$test_path" ]; then
    echo "demo: 2/3 evaluating on $test_path"
    .venv/bin/allennlp evaluate "$model/model.tar.gz" "$test_path" --output-file "$out/evaluation.json"
fi

echo "demo: 3/3 predicting"
cat > "$out/sentences.jsonl" <<'JSONL'
{"sentence": "A gorgeous, witty and moving film."}
{"sentence": "The plot is a tedious mess and the acting is worse."}
{"tokens": ["It", "'s", "not", "bad", ",", "just", "forgettable", "."]}
JSONL
.venv/bin/allennlp predict "$model/model.tar.gz" "$out/sentences.jsonl" \
    --output-file "$out/predictions.jsonl" --silent
.venv/bin/python - "$out" <<'PY'
import json, sys
out = sys.argv[1]
for name in ("model/metrics.json", "evaluation.json"):
    try:
        metrics = json.load(open(f"{out}/{name}"))
    except FileNotFoundError:
        continue
    keys = [k for k in metrics if k.endswith("accuracy") or k.endswith("macro_f1")]
    print(f"{name}: " + ", ".join(f"{k}={metrics[k]:.4f}" for k in keys))
for line in open(f"{out}/predictions.jsonl"):
    row = json.loads(line)
    print(f"{row['label']}  p={row['label_probs'][row['label']]:.2f}  {' '.join(row['tokens'])}")
PY
echo "demo: done; the model is $model/model.tar.gz"
