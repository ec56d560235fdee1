"""
What the plugin's subcommands share (the console scripts that run them are in `sst_elmo.cli`):
the argument-parser set-up of `PluginSubcommand`, and the `--debug` flag, which shows errors
with their traceback instead of the one-line error of `sst_elmo.common.error_output`.

argparse formats every help text with `%`, so a help text holding a bare `%` (`95%`) would
crash `--help` of every command. `PluginSubcommand` escapes the description it gives as the
subcommand's help, and formats every argument's help when the parser is made: a bad one stops
with a `ValueError` that names the subcommand and the argument. AllenNLP's parser appends
`(default = X)` to the help of an argument with a default; where the help already says what
the default is, that second mention is dropped.
"""
import argparse
import os
import re
from typing import Optional

from allennlp.commands.subcommand import Subcommand
from overrides import overrides

from sst_elmo.common.error_output import DEBUG_VARIABLE

# What argparse may format in a help text: `%%` and `%(name)s`-style fields.
_FORMAT = re.compile(r"%%|%\([a-z_]+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


class _DebugAction(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None) -> None:
        os.environ[DEBUG_VARIABLE] = "1"
        setattr(namespace, self.dest, True)


def add_debug_flag(subparser: argparse.ArgumentParser) -> None:
    """`--debug` on a subcommand: errors with their traceback (sets `SST_ELMO_DEBUG=1`)."""
    subparser.add_argument(
        "--debug", nargs=0, action=_DebugAction, default=False, help="show the traceback of an error"
    )


def check_help_texts(subparser: argparse.ArgumentParser, command: str) -> None:
    """
    Formats the help of every argument of `subparser` as `--help` does, and drops AllenNLP's
    appended `(default = X)` where the help already names the default. A help that argparse
    cannot format raises a `ValueError` naming `command` and the argument.
    """
    formatter = subparser._get_formatter()
    for action in subparser._actions:
        if not action.help or action.help == argparse.SUPPRESS:
            continue
        appended = f" (default = {action.default})"
        if action.help.endswith(appended) and "default" in action.help[: -len(appended)]:
            action.help = action.help[: -len(appended)]
        try:
            formatter._expand_help(action)
            stray = _FORMAT.sub("", action.help)
            if "%" in stray:  # `95% share` formats silently (`% s`) into nonsense
                raise ValueError(f"a bare % in {action.help!r}")
        except (ValueError, TypeError, KeyError) as error:
            name = "/".join(action.option_strings) or action.dest
            raise ValueError(
                f"{command} {name}: its help cannot be formatted by argparse ({error}); write % as %%"
            ) from None


class PluginSubcommand(Subcommand):
    """
    A subcommand of the plugin: its parser has `description` as description and help, the
    arguments of `add_arguments`, then `--debug`, and runs `run(args)`. A subclass sets
    `description` and overrides both methods; it registers itself with
    `@Subcommand.register(NAME)` as any AllenNLP subcommand. Every help text is checked
    (`check_help_texts`) when the parser is made.
    """

    description: str = ""
    # The name a console script of one subcommand was started as (`sst-predict`): that
    # subcommand's usage line names it alone (`sst_elmo.cli` sets it).
    standalone: Optional[str] = None

    @overrides
    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        extra = {"prog": self.standalone} if self.standalone == self.name else {}
        subparser = parser.add_parser(
            self.name, description=self.description, help=self.description.replace("%", "%%"), **extra
        )
        self.add_arguments(subparser)
        add_debug_flag(subparser)
        check_help_texts(subparser, self.name)
        subparser.set_defaults(func=self.run)
        return subparser

    def add_arguments(self, subparser: argparse.ArgumentParser) -> None:
        """The subcommand's own arguments."""
        raise NotImplementedError

    def run(self, args: argparse.Namespace) -> None:
        """Runs the subcommand with its parsed arguments."""
        raise NotImplementedError
