"""`allennlp sst-predict`'s defaults (its behaviour is tested end to end in test_cli_anywhere.py)."""
import argparse

from sst_elmo.commands.sst_predict import SstPredict


def test_sst_predict_batches_by_default():
    parser = argparse.ArgumentParser()
    SstPredict().add_subparser(parser.add_subparsers())
    args = parser.parse_args(["sst-predict", "model.tar.gz", "in.jsonl", "--output-file", "out.jsonl"])
    assert args.batch_size == 64
