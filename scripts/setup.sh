#!/usr/bin/env bash
# Make (or refresh) the project's virtual environment in .venv.
#
# Idempotent: a second run only checks a stamp and takes a second or two.
# Quiet: one line a step on the terminal; the full output goes to $VENV/setup.log, whose last
# lines (and path) are printed when a step fails. `scripts/setup.sh --stamp` prints the stamp
# that marks a venv as up to date.
# Interpreter: $PYTHON if set, else the first working python3.10/3.9/3.8 on PATH,
# else a pyenv-installed 3.10/3.9/3.8. AllenNLP 2.10.1 supports nothing newer.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
# What to install besides the package (pyproject.toml's extras, comma-separated): by default
# everything `make test` needs; `EXTRAS=` installs the package alone (what `make demo` needs).
# `checklist` is CheckList from scripts/vendor/checklist, for `allennlp checklist`.
EXTRAS=${EXTRAS-dev,serve,lab,checklist}

supported() {  # prints the interpreter's version when it runs and is 3.8-3.10
    "$1" -c 'import sys; v = sys.version_info[:2]; assert (3, 8) <= v <= (3, 10); print("%d.%d" % v)' 2>/dev/null
}

find_python() {
    if [ -n "${PYTHON:-}" ]; then
        if supported "$PYTHON" >/dev/null; then echo "$PYTHON"; return 0; fi
        echo "setup: PYTHON=$PYTHON is not a working Python 3.8-3.10 interpreter" >&2
        return 1
    fi
    local candidate
    for candidate in python3.10 python3.9 python3.8; do
        if command -v "$candidate" >/dev/null && supported "$candidate" >/dev/null; then
            command -v "$candidate"; return 0
        fi
    done
    if command -v pyenv >/dev/null; then
        local version
        for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.(10|9|8)\.[0-9]+$' | sort -t. -k2,2nr -k3,3nr); do
            candidate="$(pyenv prefix "$version")/bin/python${version%.*}"
            if supported "$candidate" >/dev/null; then echo "$candidate"; return 0; fi
        done
    fi
    cat >&2 <<'MSG'
setup: no Python 3.8-3.10 found (AllenNLP 2.10.1 supports nothing newer). Get one with
  pyenv install 3.10.13            (then re-run; pyenv versions are found automatically)
  apt-get install python3.10-venv  (Debian/Ubuntu, where packaged)
or point at one: PYTHON=/path/to/python3.10 make setup
MSG
    return 1
}

stamp="$VENV/.sst_elmo-setup"
checksum="$(cat pyproject.toml constraints.txt scripts/setup.sh scripts/vendor/checklist/pyproject.toml | sha256sum | cut -d' ' -f1)"
want="$checksum $EXTRAS"
if [ "${1:-}" = "--stamp" ]; then echo "$want"; exit 0; fi
up_to_date() {  # the stamp has this checksum and at least the extras asked for
    [ -x "$VENV/bin/python" ] && [ -f "$stamp" ] || return 1
    local stamped_checksum stamped extra
    read -r stamped_checksum stamped < "$stamp" || true
    [ "$stamped_checksum" = "$checksum" ] || return 1
    for extra in ${EXTRAS//,/ }; do
        [[ ",$stamped," == *",$extra,"* ]] || return 1
    done
}
if up_to_date; then
    echo "setup: $VENV is up to date ($("$VENV/bin/python" --version))"
    exit 0
fi

log="$VENV/setup.log"
started=$SECONDS
step() {  # step DESCRIPTION COMMAND...: one line here, the command's output in the log
    echo "setup: $1"
    printf '\n== %s\n$ %s\n' "$1" "${*:2}" >> "$log"
    if ! "${@:2}" >> "$log" 2>&1; then
        echo "setup: failed: $1. The last lines of $log:" >&2
        tail -n 25 "$log" | sed 's/^/    /' >&2
        echo "setup: the whole output is in $log" >&2
        exit 1
    fi
}

python=""
if [ ! -x "$VENV/bin/python" ] || ! supported "$VENV/bin/python" >/dev/null; then
    python=$(find_python)
    rm -rf "$VENV"
fi
mkdir -p "$VENV"
: > "$log"
echo "setup: setting up $VENV; the full output goes to $log"
if [ -n "$python" ]; then
    step "creating $VENV with $python ($(supported "$python"))" "$python" -m venv "$VENV"
fi
step "updating pip, wheel and setuptools" "$VENV/bin/python" -m pip install --upgrade "pip<27" wheel "setuptools<81"
# The package with pyproject.toml's extras named in EXTRAS; `checklist` is not one of them but
# ./scripts/vendor/checklist, CheckList for `allennlp checklist` (its README.md says why).
extras="" vendored=()
for extra in ${EXTRAS//,/ }; do
    if [ "$extra" = checklist ]; then vendored+=(./scripts/vendor/checklist); else extras+="${extras:+,}$extra"; fi
done
step "installing sst_elmo${EXTRAS:+[$EXTRAS]} with the pins in constraints.txt (first run: a few minutes)" \
    "$VENV/bin/python" -m pip install --constraint constraints.txt --editable ".${extras:+[$extras]}" ${vendored[@]+"${vendored[@]}"}
step "checking the installed versions (pip check)" "$VENV/bin/python" -m pip check
# Every `allennlp` command imports allennlp-models, whose NarrativeQA tool calls
# nltk.download("punkt") and ("wordnet") at import time when `tokenizers/punkt` is missing:
# a download attempt on every start. sst_elmo never uses punkt (Treebank tokenizer, no data),
# so an empty `tokenizers/punkt` in the venv's own nltk_data (on NLTK's default search path)
# stops those attempts. NarrativeQA evaluation itself would need the real data.
mkdir -p "$VENV/nltk_data/tokenizers/punkt"
# The plain `allennlp` command imports allennlp-models (and through it `rouge`, which warns
# that `pkg_resources` is deprecated) before any plugin: a one-line .pth ignores exactly that
# warning from exactly that module (sst_elmo/common/dependency_warnings.py).
step "quieting a known dependency warning" \
    "$VENV/bin/python" -c 'from sst_elmo.common.dependency_warnings import write_pth; print("wrote", write_pth())'
echo "$want" > "$stamp"
echo "setup: done in $((SECONDS - started)) s (log: $log). Activate with: source $VENV/bin/activate"
