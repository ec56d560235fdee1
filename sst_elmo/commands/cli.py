"""
The `--debug` flag of the plugin's subcommands (the console scripts that run them are in
`sst_elmo.cli`): errors with their traceback instead of the one-line error of
`sst_elmo.common.error_output`.
"""
import argparse
import os

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
