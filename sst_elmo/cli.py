"""
Console scripts that run the `allennlp` CLI with the plugin loaded, from any directory
(`allennlp` itself finds the plugin only through `.allennlp_plugins` in the working
directory, or `--include-package sst_elmo`):

    sst-elmo train CONFIG -s DIR          # any allennlp command, plugin loaded
    sst-elmo tune CONFIG SPACE ...        # allennlp-optuna's tune / best-params / retrain
    sst-compare A B DATA                  # = allennlp sst-compare ... (paired significance)
    sst-calibrate model.tar.gz DEV -o calibrated.tar.gz   # temperature scaling
    sst-verify model.tar.gz               # = allennlp sst-verify ...
    sst-predict model.tar.gz in.jsonl --output-file out.jsonl
    sst-serve model.tar.gz                # = allennlp sst-serve ... (HTTP on 127.0.0.1:8000)
    elmo-export / elmo-embed / elmo-cache

Each takes `--debug` (or `SST_ELMO_DEBUG=1`) to show a traceback instead of the one-line
error of `sst_elmo.common.error_output`. This module sits above the package: it imports
`sst_elmo` (every registered component), which never imports it.
"""
import os
import sys
from typing import List, Optional

from sst_elmo.common.dependency_warnings import quiet_dependency_warnings
from sst_elmo.common.error_output import DEBUG_VARIABLE, debugging, is_user_error, one_line


def run_allennlp(argv: List[str], prog: str = "sst-elmo") -> int:
    """Runs `allennlp *argv` with `sst_elmo` imported; a user error becomes one line and status 1."""
    quiet_dependency_warnings()  # before `main` imports allennlp-models
    from allennlp.commands import main
    from allennlp.common.util import install_sigterm_handler

    import sst_elmo  # noqa: F401 - registers the plugin's components and subcommands

    if argv and argv[0] in _TUNING_SUBCOMMANDS:
        import allennlp_optuna  # noqa: F401 - registers `tune`, `best-params` and `retrain`

    if "--debug" in argv and (not argv or argv[0] not in _OWN_SUBCOMMANDS):
        argv = [arg for arg in argv if arg != "--debug"]
        os.environ[DEBUG_VARIABLE] = "1"
    install_sigterm_handler()
    saved = sys.argv
    sys.argv = [prog, *argv]
    try:
        main(prog=prog)
    except Exception as error:  # noqa: B902 - user errors in one line, the rest as they are
        if not is_user_error(error) or debugging():
            raise
        print(one_line(error), file=sys.stderr)
        return 1
    finally:
        sys.argv = saved
    return 0


# allennlp-optuna's subcommands (imported only for them: Optuna takes half a second to import).
_TUNING_SUBCOMMANDS = ("tune", "best-params", "retrain")
_OWN_SUBCOMMANDS = (
    "sst-compare", "sst-calibrate", "sst-verify", "sst-predict", "sst-serve", "elmo-export", "elmo-embed",
    "elmo-cache",
)


def _entry(subcommand: Optional[str]):
    """The console script of `subcommand` (`None`: `sst-elmo`, any subcommand)."""

    def entry() -> None:
        argv = sys.argv[1:]
        if subcommand is not None:  # `sst-predict ...`: its usage line says `sst-predict`
            from sst_elmo.commands.subcommand import PluginSubcommand

            PluginSubcommand.standalone = subcommand
            sys.exit(run_allennlp([subcommand, *argv]))
        script = os.path.basename(sys.argv[0])
        sys.exit(run_allennlp(argv, "python -m sst_elmo.cli" if script == "cli.py" else script))

    return entry


main = _entry(None)
sst_compare = _entry("sst-compare")
sst_calibrate = _entry("sst-calibrate")
sst_verify = _entry("sst-verify")
sst_predict = _entry("sst-predict")
sst_serve = _entry("sst-serve")
elmo_export = _entry("elmo-export")
elmo_embed = _entry("elmo-embed")
elmo_cache = _entry("elmo-cache")

if __name__ == "__main__":  # python -m sst_elmo.cli SUBCOMMAND ...: the plugin's launcher (common/launch.py)
    main()
