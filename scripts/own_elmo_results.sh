#!/usr/bin/env bash
# The shipped ELMo against the GloVe-only baseline on whole sentences (docs/results.md, the
# secondary tables; configs/grids/phrases_*.json compare them on every phrase), every run through
# `allennlp train` via scripts/run_grid.py, 3 seeds each, frozen ELMo read from the cache:
#   1. SST-5 whole sentences: sst5_lstm (GloVe) / sst5_elmo / sst5_elmo_glove, paired plot
#      sst5_lstm vs sst5_elmo_glove (configs/grids/own_elmo_sst5.json);
#   2. SST-2 whole sentences: the diagnosis grid (sst_elmo_lab.experiments.diagnosis): GloVe, ELMo
#      all / top / layer 0, the untrained control, ELMo + GloVe;
#   3. tweets: tweets_elmo (configs/grids/own_elmo_tweets.json), then the feature baseline
#      (mean-pooled ELMo + logistic regression, TF-IDF + logistic regression) on the same split,
#      beside the mean ± sd of the tweets_elmo seeds.
#
#   scripts/own_elmo_results.sh [ELMO_DIR] [OUT]
#
# ELMO_DIR: an exported ELMo (options.json, weights.hdf5); default models/elmo-imdb.
# OUT: default runs/own_elmo. Finished runs are kept, so running it again resumes.
# Word vectors: the 2,445-word GloVe 6B.50d sample in ../shared (SST_ELMO_GLOVE_FILE).
# JOBS (default 2) runs at a time, THREADS (default 1) each. STAGES (default "sst5 sst2 tweets")
# picks the stages, e.g. STAGES=tweets for an ELMo adapted to the tweets.
set -euo pipefail
cd "$(dirname "$0")/.."
# The lab (scripts/sst_elmo_lab) runs from the checkout: its modules run with python -m.
export PYTHONPATH="$PWD/scripts${PYTHONPATH:+:$PYTHONPATH}"
elmo="${1:-models/elmo-imdb}"
out="${2:-runs/own_elmo}"
shared="${SST_ELMO_SHARED:-$(cd .. && pwd)/shared}"
for file in "$elmo/options.json" "$elmo/weights.hdf5"; do
    [ -f "$file" ] || { echo "own_elmo_results.sh: $file is missing" >&2; exit 2; }
done
export SST_ELMO_DATA="${SST_ELMO_DATA:-$shared/data}"
export SST_ELMO_GLOVE=6B.50d SST_ELMO_GLOVE_FILE="${SST_ELMO_GLOVE_FILE:-$shared/data/glove/glove.6B.50d.top2445.txt}"
export SST_ELMO_OPTIONS="$(realpath "$elmo/options.json")" SST_ELMO_WEIGHTS="$(realpath "$elmo/weights.hdf5")"
export SST_ELMO_CACHE=1 SST_ELMO_CACHE_DIR="$(realpath -m "${SST_ELMO_CACHE_DIR:-cache/elmo}")"
jobs="${JOBS:-2}" threads="${THREADS:-1}" stages=" "
for stage in ${STAGES:-sst5 sst2 tweets}; do
    case "$stage" in sst5|sst2|tweets) stages+="$stage " ;;
        *) echo "own_elmo_results.sh: unknown stage '$stage' in STAGES" >&2; exit 2;; esac
done
status=0

# One fill covers SST-5 and SST-2 (SST-2's sentences are a subset of SST-5's); the cache is
# keyed by the sentence and the ELMo files.
if [[ "$stages" == *" sst5 "* || "$stages" == *" sst2 "* ]]; then
    .venv/bin/allennlp elmo-cache configs/sst5_elmo.jsonnet
fi
if [[ "$stages" == *" sst5 "* ]]; then
    .venv/bin/python -m sst_elmo_lab.grids.run_grid --grid configs/grids/own_elmo_sst5.json --out "$out/sst5" \
        --jobs "$jobs" --threads "$threads" || status=1
fi
if [[ "$stages" == *" sst2 "* ]]; then
    .venv/bin/python -m sst_elmo_lab.experiments.diagnosis --elmo "$elmo" --out "$out/sst2_diagnosis" \
        --shared "$shared" --cache-dir "$SST_ELMO_CACHE_DIR" --jobs "$jobs" --threads "$threads" || status=1
fi
if [[ "$stages" == *" tweets "* ]]; then
    .venv/bin/allennlp elmo-cache configs/tweets_elmo.jsonnet
    .venv/bin/python -m sst_elmo_lab.grids.run_grid --grid configs/grids/own_elmo_tweets.json --out "$out/tweets" \
        --jobs "$jobs" --threads "$threads" || status=1
    # The finished seeds of the grid (a failed one is reported by the grid, not averaged).
    lstm_dirs=()
    for metrics in "$out"/tweets/runs/tweets_elmo/seed*/full/metrics.json; do
        [ -f "$metrics" ] && lstm_dirs+=(--lstm-dir "$(dirname "$metrics")")
    done
    OMP_NUM_THREADS="$threads" .venv/bin/python scripts/feature_baseline.py "${lstm_dirs[@]}" \
        --out "$out/tweets/feature_baseline" --cache-dir "$out/tweets/feature_cache" || status=1
fi

summaries=()
[[ "$stages" == *" sst5 "* ]] && summaries+=("$out/sst5/report/summary.md")
[[ "$stages" == *" sst2 "* ]] && summaries+=("$out/sst2_diagnosis/report/summary.md")
[[ "$stages" == *" tweets "* ]] && summaries+=("$out/tweets/report/summary.md" "$out/tweets/feature_baseline/feature_baseline.md")
for summary in "${summaries[@]}"; do
    [ -f "$summary" ] && { echo "== $summary"; cat "$summary"; }
done
[ "$status" = 0 ] || echo "own_elmo_results.sh: some runs failed; see $out/*/status" >&2
exit "$status"
