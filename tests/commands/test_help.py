"""
The help of every command renders: `allennlp --help` and bare `allennlp` with the plugin
loaded, every `allennlp` subcommand (AllenNLP's, allennlp-optuna's and the plugin's), every
console script of pyproject.toml's [project.scripts], each usage line naming the command as it
was typed, and no help text saying its default twice.
"""
import argparse
import importlib
import re
import subprocess
import sys

import pytest
import tomli
from allennlp.commands import ArgumentParserWithDefaults
from allennlp.commands.subcommand import Subcommand
from allennlp.common.plugins import import_plugins

import sst_elmo  # noqa: F401 - registers the plugin's subcommands
from sst_elmo.commands.subcommand import PluginSubcommand, check_help_texts
from tests.conftest import PROJECT_ROOT

SCRIPTS = tomli.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
DEFAULT = re.compile(r"\bdefault\b", re.I)


def all_subparsers():
    """`{name: subparser}` of every registered subcommand, made as `allennlp` makes them."""
    import allennlp_optuna  # noqa: F401 - registers `tune`, `best-params`, `retrain`

    import_plugins()
    subparsers = ArgumentParserWithDefaults(prog="allennlp").add_subparsers()
    return {name: Subcommand.by_name(name)().add_subparser(subparsers) for name in Subcommand.list_available()}


def test_every_subcommand_renders_its_help_and_names_each_default_once():
    subparsers = all_subparsers()
    assert {"train", "predict", "tune", "sst-compare", "sst-predict", "sst-serve"} <= set(subparsers)
    repeated = []
    for name, subparser in sorted(subparsers.items()):
        assert subparser.format_help().startswith(f"usage: allennlp {name}")
        for action in subparser._actions:
            if len(DEFAULT.findall(action.help or "")) > 1:
                repeated.append(f"{name} {'/'.join(action.option_strings) or action.dest}: {action.help}")
    assert repeated == []


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_every_console_script_renders_its_help(script, monkeypatch, capsys):
    module, function = SCRIPTS[script].split(":")
    entry = getattr(importlib.import_module(module), function)
    monkeypatch.setattr(PluginSubcommand, "standalone", None)  # the entry sets it; restored after
    monkeypatch.setattr(sys, "argv", [f"/somewhere/bin/{script}", "--help"])
    with pytest.raises(SystemExit) as exit_:
        entry()
    assert exit_.value.code == 0
    usage = capsys.readouterr().out
    assert usage.startswith(f"usage: {script} ")  # sst-predict's usage: `sst-predict`, not `sst-elmo sst-predict`
    if script == "sst-elmo":
        assert "sst-compare" in usage and "train" in usage


def test_a_subcommand_under_sst_elmo_is_named_so(monkeypatch, capsys):
    entry = importlib.import_module("sst_elmo.cli").main
    monkeypatch.setattr(PluginSubcommand, "standalone", None)
    monkeypatch.setattr(sys, "argv", ["/somewhere/bin/sst-elmo", "sst-predict", "--help"])
    with pytest.raises(SystemExit):
        entry()
    assert capsys.readouterr().out.startswith("usage: sst-elmo sst-predict ")
    monkeypatch.setattr(sys, "argv", ["/somewhere/bin/sst-elmo"])  # bare: the help, status 0
    with pytest.raises(SystemExit) as exit_:
        entry()
    assert exit_.value.code == 0 and "sst-compare" in capsys.readouterr().out


@pytest.mark.parametrize("arguments", [["--help"], []])
def test_the_plain_allennlp_command_renders_help_with_the_plugin(arguments):
    result = subprocess.run([sys.executable, "-m", "allennlp", *arguments], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Plugin sst_elmo available" in result.stderr  # found through .allennlp_plugins
    assert result.stdout.startswith("usage: allennlp ") and "sst-compare" in result.stdout


class Percent(PluginSubcommand):
    description = "Holds 95% of the cases."

    def add_arguments(self, subparser: argparse.ArgumentParser) -> None:
        subparser.add_argument("--share", default=10, help="a 95% share")


def test_a_bare_percent_is_escaped_in_a_description_and_named_in_an_argument(monkeypatch):
    monkeypatch.setitem(Subcommand._reverse_registry, Percent, "percent-test")
    with pytest.raises(ValueError, match=r"percent-test --share: its help cannot be formatted .* write % as %%"):
        Percent().add_subparser(ArgumentParserWithDefaults().add_subparsers())
    monkeypatch.setattr(Percent, "add_arguments", lambda self, subparser: None)
    parent = ArgumentParserWithDefaults(prog="allennlp")
    Percent().add_subparser(parent.add_subparsers())
    assert "Holds 95% of the cases." in parent.format_help()


def test_a_default_the_help_already_names_is_not_appended_again():
    parser = ArgumentParserWithDefaults()
    parser.add_argument("--resamples", default=10000, help="bootstrap resamples (default 10000)")
    parser.add_argument("--seed", default=0, help="the seed")
    check_help_texts(parser, "test")
    helps = {action.dest: action.help for action in parser._actions}
    assert helps["resamples"] == "bootstrap resamples (default 10000)"
    assert helps["seed"] == "the seed (default = 0)"


PROBE = """
import runpy, sys
sys.argv = ["allennlp", *sys.argv[1:]]
try:
    runpy.run_module("allennlp", run_name="__main__")
except SystemExit:
    pass
print("optuna imported:", "optuna" in sys.modules, file=sys.stderr)
"""


def test_the_project_plugins_file_loads_optuna_for_tuning_commands_only():
    # `.allennlp_plugins` lists sst_elmo alone: a product command does not pay for importing
    # Optuna (about 2 CPU-seconds); `sst-elmo tune` loads allennlp-optuna for its commands.
    plain = subprocess.run([sys.executable, "-c", PROBE, "train", "--help"], cwd=PROJECT_ROOT,
                           capture_output=True, text=True, timeout=300)
    assert "optuna imported: False" in plain.stderr, plain.stderr[-2000:]
    assert (PROJECT_ROOT / ".allennlp_plugins").read_text().split() == ["sst_elmo"]
    launched = subprocess.run([sys.executable, "-m", "sst_elmo.cli", "tune", "--help"], cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=300)
    assert launched.returncode == 0, launched.stderr
    assert launched.stdout.startswith("usage: python -m sst_elmo.cli tune")
