"""
Shipping a pre-trained ELMo with the project: `models/elmo-NAME/` holds `options.json`,
`weights.hdf5` (float16: half the size, loaded unchanged by AllenNLP's `Elmo`), `vocab.txt`
and a model card `README.md` (what it is, the data, words seen, perplexities, the sha256 of
every file, the exact commands and the machine). Configs then use it with `SST_ELMO_ELMO=NAME`
(see `configs/lib/elmo.libsonnet`).

The input is a finished `scripts/pretrain_elmo.py` run directory: its `model.tar.gz` and its
`report.json` (training throughput, perplexity by epoch, held-out perplexity). An existing
`models/elmo-NAME/` is replaced only with `replace=True` (`--replace`), and the card then says
which weights it replaced: a shipped ELMo's weights are committed once and replaced at most once.
"""
import argparse
import json
import os
import sys
import time
from typing import Dict, List, Optional

from sst_elmo.common.config_env import SHIPPED_MODELS
from sst_elmo.common.cpu import machine_description
from sst_elmo.common.errors import InputError
from sst_elmo.common.file_utils import atomic_write, file_sha256

CARD_NAME = "README.md"


def model_card(
    name: str,
    options: Dict,
    report: Dict,
    files: Dict[str, str],
    commands: List[str],
    machine: str,
    replaced: Optional[str] = None,
    notes: Optional[str] = None,
    base_words: Optional[int] = None,
) -> str:
    """
    The markdown model card of a shipped ELMo (`notes`: markdown for a "Notes" section;
    `base_words`: the words a biLM that this run continued had seen before it).
    """
    from sst_elmo_lab.shipping.pretrain import report_markdown

    lstm, cnn = options["lstm"], options["char_cnn"]
    filters = sum(number for _, number in cnn["filters"])
    training = report["training"]
    lines = [
        f"# ELMo `{name}`: the project's own biLM",
        "",
        f"Use it with `SST_ELMO_ELMO={name}` (any config of `configs/`), or point `SST_ELMO_OPTIONS` / "
        "`SST_ELMO_WEIGHTS` at the files below. Output dimension "
        f"{2 * lstm['projection_dim']} per layer, {lstm['n_layers'] + 1} layers.",
        "",
        "## Shape",
        "",
        f"- character CNN: {filters} filters (widths {', '.join(str(w) for w, _ in cnn['filters'])}), "
        f"{cnn['n_highway']} highway layer(s), character embedding {cnn['embedding']['dim']}",
        f"- biLSTM: {lstm['n_layers']} layers of {lstm['dim']} cells with projection to "
        f"{lstm['projection_dim']}, cell clip {lstm['cell_clip']}, projection clip {lstm['proj_clip']}, "
        "skip connections",
        f"- softmax vocabulary: {len(open(files['vocab.txt'], encoding='utf-8').read().splitlines()):,} "
        "entries (`vocab.txt`; the softmax weights are not shipped)",
        "- weights stored in float16 (AllenNLP's `Elmo` loads them into float32 parameters)",
        "",
        "## Data and training",
        "",
        report_markdown(report["config"], training, report["heldout"]).rstrip(),
        "",
    ]
    if base_words:
        lines += [
            f"Words in all: **{base_words + int(training['words']):,}**: this run's {int(training['words']):,}, "
            f"continuing a biLM that had seen {base_words:,} words before it (its character CNN, highway "
            "and LSTM weights; the softmax started afresh).",
            "",
        ]
    by_epoch = training["validation_perplexity_by_epoch"]
    lines += [
        "Validation perplexity by epoch (sampled softmax training, full-softmax validation on the "
        "run's held-out split of its training text): "
        + (", ".join(f"{value:.1f}" for value in by_epoch) if by_epoch else "none yet (no epoch finished)") + ".",
        "",
        "## Files",
        "",
        "Check them with `sha256sum -c` on these lines:",
        "",
        "```text",
    ]
    for file_name, path in sorted(files.items()):
        lines.append(f"{file_sha256(path)}  {file_name}")
    lines += ["```", ""]
    lines += [f"- `{file_name}`: {os.path.getsize(path):,} bytes" for file_name, path in sorted(files.items())]
    lines += ["", "## How it was made", "", f"Machine: {machine}. Date: {time.strftime('%Y-%m-%d')}.", ""]
    lines += ["```bash"]
    lines += commands + ["```", ""]
    if notes:
        lines += ["## Notes", "", notes.strip(), ""]
    if replaced:
        lines += [f"It replaces an earlier `{name}` whose weights had sha256 `{replaced}`.", ""]
    return "\n".join(lines)


def ship_elmo(
    run_dir: str,
    name: str,
    models_dir: str = SHIPPED_MODELS,
    replace: bool = False,
    commands: Optional[List[str]] = None,
    machine: Optional[str] = None,
    notes: Optional[str] = None,
    base_words: Optional[int] = None,
) -> str:
    """
    Writes `models_dir/elmo-NAME` from a finished pre-training run; returns that directory.
    `notes`: markdown for the card's "Notes" section (e.g. changes made to the run's config).
    `base_words`: for a run that continued another biLM, the words that biLM had seen.
    """
    from sst_elmo.elmo.files.export import export_elmo
    from sst_elmo.safety.archive_safety import safe_load_archive

    target = os.path.join(models_dir, f"elmo-{name}")
    replaced = None
    if os.path.exists(target):
        if not replace:
            raise InputError(f"elmo-{name} is shipped already (--replace replaces it, at most once)", target)
        replaced = file_sha256(os.path.join(target, "weights.hdf5"))
        print(f"ship: replacing {target} (weights sha256 {replaced})")
    report_path = os.path.join(run_dir, "report.json")
    if not os.path.exists(report_path):
        raise InputError("no report.json: run scripts/pretrain_elmo.py to the end first", run_dir)
    with open(report_path, encoding="utf-8") as handle:
        report = json.load(handle)
    archive = safe_load_archive(os.path.join(run_dir, "model.tar.gz"), cuda_device=-1)
    paths = export_elmo(archive.model, target, overwrite=replace, float16=True, softmax=False)
    with open(paths["options.json"], encoding="utf-8") as handle:
        options = json.load(handle)
    files = {os.path.basename(path): path for path in paths.values()}
    card = model_card(
        name,
        options,
        report,
        files,
        commands or [f"scripts/pretrain_elmo.py --config {report['config']} --run-dir RUN",
                     f"scripts/ship_elmo.py RUN {name}"],
        machine or machine_description(),
        replaced,
        notes,
        base_words,
    )
    atomic_write(os.path.join(target, CARD_NAME), card)
    return target


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", help="a finished scripts/pretrain_elmo.py run directory")
    parser.add_argument("name", help="the ELMo's name: models/elmo-NAME, SST_ELMO_ELMO=NAME")
    parser.add_argument("--models-dir", default=SHIPPED_MODELS)
    parser.add_argument("--replace", action="store_true", help="replace a shipped ELMo of that name")
    parser.add_argument("--command", action="append", dest="commands",
                        help="a command that made it, for the model card (repeatable)")
    parser.add_argument("--machine", help="the machine it was trained on, for the model card")
    parser.add_argument("--notes", help="a markdown file for the model card's Notes section")
    parser.add_argument("--base-words", type=int,
                        help="for a run that continued another biLM (e.g. imdb_continue): the words it had seen")
    args = parser.parse_args(argv)
    try:
        notes = None
        if args.notes:
            with open(args.notes, encoding="utf-8") as handle:
                notes = handle.read()
        target = ship_elmo(
            args.run_dir, args.name, args.models_dir, args.replace, args.commands, args.machine, notes,
            args.base_words,
        )
    except InputError as error:
        print(f"ship_elmo: {error}", file=sys.stderr)
        return 1
    print(f"ship: wrote {target}")
    return 0
