"""
What the plugin's subcommands share (the console scripts that run them are in `sst_elmo.cli`):
the argument-parser set-up of `PluginSubcommand`, and the `--debug` flag, which shows errors
with their traceback instead of the one-line error of `sst_elmo.common.error_output`.
"""
import argparse
import os

from allennlp.commands.subcommand import Subcommand
from overrides import overrides

from sst_elmo.common.error_output import DEBUG_VARIABLE


class _DebugAction(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None) -> None:
        os.environ[DEBUG_VARIABLE] = "1"
        setattr(namespace, self.dest, True)


def add_debug_flag(subparser: argparse.ArgumentParser) -> None:
    """`--debug` on a subcommand: errors with their traceback (sets `SST_ELMO_DEBUG=1`)."""
    subparser.add_argument(
        "--debug", nargs=0, action=_DebugAction, default=False, help="show the traceback of an error"
    )


class PluginSubcommand(Subcommand):
    """
    A subcommand of the plugin: its parser has `description` as description and help, the
    arguments of `add_arguments`, then `--debug`, and runs `run(args)`. A subclass sets
    `description` and overrides both methods; it registers itself with
    `@Subcommand.register(NAME)` as any AllenNLP subcommand.
    """

    description: str = ""

    @overrides
    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        subparser = parser.add_parser(self.name, description=self.description, help=self.description)
        self.add_arguments(subparser)
        add_debug_flag(subparser)
        subparser.set_defaults(func=self.run)
        return subparser

    def add_arguments(self, subparser: argparse.ArgumentParser) -> None:
        """The subcommand's own arguments."""
        raise NotImplementedError

    def run(self, args: argparse.Namespace) -> None:
        """Runs the subcommand with its parsed arguments."""
        raise NotImplementedError
