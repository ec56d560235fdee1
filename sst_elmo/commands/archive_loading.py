"""
Loading a model archive as the plugin's commands do (`sst-predict`, `sst-serve`): the shared
arguments after the archive, and the predictor built from a safely loaded archive.
"""
import argparse
import json
import logging
import os
import re

from sst_elmo.common.errors import InputError

logger = logging.getLogger(__name__)


def add_archive_arguments(subparser: argparse.ArgumentParser, fast_elmo: bool) -> None:
    """
    The arguments of `load_predictor` after the archive: device, predictor, overrides, weights,
    and whether a frozen ELMo runs with `FastElmoBiLm` (`fast_elmo`: the command's default;
    `--no-fast-elmo` turns it off where it is on, `--fast-elmo` on where it is off).
    """
    subparser.add_argument("--cuda-device", type=int, default=-1)
    subparser.add_argument("--predictor", type=str, default=None, help="default: the archive's predictor")
    subparser.add_argument("--predictor-args", type=str, default="", help="JSON constructor arguments")
    subparser.add_argument("-o", "--overrides", type=str, default="", help="JSON config overrides")
    subparser.add_argument("--weights-file", type=str, default=None, help="weights to use instead of best.th")
    if fast_elmo:
        subparser.add_argument("--no-fast-elmo", dest="fast_elmo", action="store_false",
                               help="run a frozen ELMo with AllenNLP's own biLM instead of FastElmoBiLm")
    else:
        subparser.add_argument("--fast-elmo", dest="fast_elmo", action="store_true",
                               help="run a frozen ELMo with FastElmoBiLm (same numbers to ~1e-7, faster)")


def resolve_archive(name_or_path: str) -> str:
    """
    `name_or_path` itself, or for the name of a shipped classifier (`sst2`, `sst5`: a directory
    `models/NAME/` with a `model.tar.gz`, under `$SST_ELMO_MODELS` if set) its archive.
    """
    if os.path.exists(name_or_path) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name_or_path):
        return name_or_path
    from sst_elmo.elmo.files.shipped import models_directory

    shipped = os.path.join(models_directory(), name_or_path, "model.tar.gz")
    if os.path.isfile(shipped):
        return shipped
    available = sorted(entry for entry in os.listdir(models_directory())
                       if os.path.isfile(os.path.join(models_directory(), entry, "model.tar.gz")))
    raise InputError(f"no such archive, nor a shipped classifier of this name (shipped: {', '.join(available)})",
                     name_or_path)


def load_predictor(args: argparse.Namespace):
    """
    The predictor of `args.archive_file`: the archive loaded by `safe_load_archive` (member
    paths, config types and weights checked first), its frozen ELMo swapped for
    `FastElmoBiLm` when `args.fast_elmo`, `--predictor`/`--predictor-args` applied, and a
    predictor with `load_numbered_line` and `predict_rows` required. Problems raise one-line
    `InputError`s.
    """
    from allennlp.predictors import Predictor

    from sst_elmo.elmo.runtime.fast_elmo import use_fast_bilm
    from sst_elmo.safety.archive_safety import safe_load_archive

    args.archive_file = resolve_archive(args.archive_file)
    archive = safe_load_archive(
        args.archive_file, cuda_device=args.cuda_device, overrides=args.overrides, weights_file=args.weights_file
    )
    try:
        extra_args = json.loads(args.predictor_args) if args.predictor_args.strip() else {}
    except json.JSONDecodeError as error:
        raise InputError(
            f"not valid JSON ({error.msg})", "--predictor-args", content=args.predictor_args
        ) from None
    if getattr(args, "fast_elmo", False) and use_fast_bilm(archive.model):
        logger.info("the frozen ELMo runs with FastElmoBiLm")
    predictor = Predictor.from_archive(archive, args.predictor, extra_args=extra_args)
    if not hasattr(predictor, "load_numbered_line") or not hasattr(predictor, "predict_rows"):
        raise InputError(
            f"the predictor {type(predictor).__name__} has no load_numbered_line/predict_rows", args.archive_file
        )
    return predictor
