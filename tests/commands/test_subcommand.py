"""`PluginSubcommand`: the one parser set-up of the plugin's subcommands."""
import argparse
import os

import pytest
from allennlp.commands.subcommand import Subcommand

import sst_elmo  # noqa: F401 - registers the subcommands
from sst_elmo.commands.subcommand import PluginSubcommand
from sst_elmo.common.error_output import DEBUG_VARIABLE

SHARED_SET_UP = [
    "elmo-cache", "elmo-embed", "elmo-export", "sst-compare", "sst-predict", "sst-serve", "sst-verify",
]


def subparser_of(command: Subcommand):
    subparsers = argparse.ArgumentParser().add_subparsers()
    subparser = command.add_subparser(subparsers)
    help_text = {action.dest: action.help for action in subparsers._choices_actions}
    return subparser, help_text[command.name]


@pytest.mark.parametrize("name", SHARED_SET_UP)
def test_each_subcommand_has_its_description_as_help_debug_last_and_runs_itself(name):
    command = Subcommand.by_name(name)()
    assert isinstance(command, PluginSubcommand) and command.description
    subparser, help_text = subparser_of(command)
    assert subparser.description == command.description and help_text == command.description.replace("%", "%%")
    assert subparser._actions[-1].option_strings == ["--debug"]
    assert subparser.get_default("func") == command.run


def test_a_new_subcommand_gets_the_set_up_from_the_base(monkeypatch):
    ran = []

    class Echo(PluginSubcommand):
        description = "Print the word."

        def add_arguments(self, subparser: argparse.ArgumentParser) -> None:
            subparser.add_argument("word")

        def run(self, args: argparse.Namespace) -> None:
            ran.append(args.word)

    monkeypatch.setitem(Subcommand._reverse_registry, Echo, "echo-test")
    monkeypatch.setenv(DEBUG_VARIABLE, "")  # restored afterwards: --debug sets it
    subparser, help_text = subparser_of(Echo())
    assert help_text == "Print the word."
    args = subparser.parse_args(["hello", "--debug"])
    args.func(args)
    assert ran == ["hello"] and args.debug and os.environ[DEBUG_VARIABLE] == "1"


def test_the_base_alone_is_not_a_subcommand():
    with pytest.raises(NotImplementedError):
        PluginSubcommand().add_arguments(argparse.ArgumentParser())
