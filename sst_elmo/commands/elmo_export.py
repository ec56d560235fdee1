"""
The `elmo-export` subcommand: writes a trained `elmo_bilm` archive as ELMo files.

    allennlp elmo-export model.tar.gz OUTPUT_DIR

writes `OUTPUT_DIR/options.json` and `weights.hdf5` (for `allennlp.modules.elmo.Elmo`, the
`elmo_token_embedder` / `stateless_elmo` embedders, or `SST_ELMO_OPTIONS` /
`SST_ELMO_WEIGHTS`), plus `vocab.txt` and `softmax.hdf5` for perplexity evaluation.
"""
import argparse
import logging
import os

from allennlp.commands.subcommand import Subcommand
from overrides import overrides

from sst_elmo.commands.subcommand import PluginSubcommand

logger = logging.getLogger(__name__)


@Subcommand.register("elmo-export")
class ElmoExport(PluginSubcommand):
    """
    Exports the biLM of an `elmo_bilm` model archive in the bilm-tf layout.

    Registered as a `Subcommand` with name "elmo-export".
    """

    description = (
        "Write the biLM of a trained elmo_bilm archive as ELMo files (options.json, "
        "weights.hdf5, vocab.txt, softmax.hdf5) that allennlp's Elmo loads."
    )

    @overrides
    def add_arguments(self, subparser: argparse.ArgumentParser) -> None:
        subparser.add_argument("archive_file", type=str, help="the model.tar.gz of an elmo_bilm run")
        subparser.add_argument("output_dir", type=str, help="the directory to write (must not exist)")
        subparser.add_argument(
            "--weights-file", type=str, default=None,
            help="a weights file (e.g. model_state_e3.th) to use instead of the archived best.th",
        )
        subparser.add_argument(
            "--overwrite", action="store_true", help="replace an existing output directory"
        )
        subparser.add_argument(
            "--float16", action="store_true",
            help="store the weights in half precision (half the size; Elmo loads them unchanged)",
        )
        subparser.add_argument(
            "--no-softmax", dest="softmax", action="store_false",
            help="leave out softmax.hdf5 (only continued pre-training on the same vocabulary reads it)",
        )

    @overrides
    def run(self, args: argparse.Namespace) -> None:
        elmo_export_from_args(args)


def elmo_export_from_args(args: argparse.Namespace) -> None:
    from sst_elmo.common.errors import InputError
    from sst_elmo.elmo.files.export import export_elmo
    from sst_elmo.models.elmo_bilm import ElmoBiLm
    from sst_elmo.safety.archive_safety import safe_load_archive

    if os.path.exists(args.output_dir) and not args.overwrite:
        raise InputError("the output directory already exists (--overwrite replaces it)", args.output_dir)
    archive = safe_load_archive(args.archive_file, cuda_device=-1, weights_file=args.weights_file)
    if not isinstance(archive.model, ElmoBiLm):
        raise InputError(f"holds a {type(archive.model).__name__}, not an elmo_bilm model", args.archive_file)
    paths = export_elmo(
        archive.model, args.output_dir, overwrite=args.overwrite, float16=args.float16, softmax=args.softmax
    )
    for path in paths.values():
        logger.info("wrote %s", path)
    print(f"Wrote {', '.join(sorted(paths))} to {args.output_dir}")
