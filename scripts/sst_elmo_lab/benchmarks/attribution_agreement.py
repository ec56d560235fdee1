"""
How well each attribution method of `/interpret` agrees with deleting the word (the logic of
`scripts/bench_attribution.py`): on SST dev sentences, for each method, the drop of the predicted
label's probability when the word it ranks most toward the label is deleted, and for the signed
methods the share of words whose sign matches the sign of that word's deletion effect. Leave-one-
out is that deletion, so it is the ceiling; a random word is the floor. No assertions.
"""
import argparse
import json
import os
import random
import time
from typing import Dict, List, Optional

import numpy

from sst_elmo.common.config_env import SHARED

METHODS = ("signed_gradient", "leave_one_out", "simple_gradient", "integrated_gradient")


def deletion_drops(predictor, tokens: List[str]) -> numpy.ndarray:
    """The predicted label's probability minus its probability with each token deleted."""
    full = predictor.predict_json({"tokens": tokens})
    label = int(numpy.argmax(full["probs"]))
    without = predictor.predict_batch_json([{"tokens": tokens[:i] + tokens[i + 1:]} for i in range(len(tokens))])
    return numpy.array([full["probs"][label] - output["probs"][label] for output in without])


def agreement(predictor, sentences: List[List[str]], seed: int = 0) -> Dict[str, Dict[str, float]]:
    from sst_elmo.serving.saliency import SIGNED, Saliency

    saliency = Saliency(predictor)
    rng = random.Random(seed)
    rows: Dict[str, Dict[str, List[float]]] = {name: {"top_drop": [], "sign": [], "seconds": []}
                                               for name in (*METHODS, "random word")}
    for tokens in sentences:
        drops = deletion_drops(predictor, tokens)
        rows["random word"]["top_drop"].append(float(drops[rng.randrange(len(tokens))]))
        for method in METHODS:
            start = time.perf_counter()
            values = numpy.array(saliency.of_tokens(tokens, method))
            rows[method]["seconds"].append(time.perf_counter() - start)
            rows[method]["top_drop"].append(float(drops[int(values.argmax())]))
            if method in SIGNED:
                moved = numpy.abs(drops) > 1e-4
                rows[method]["sign"].extend((numpy.sign(values[moved]) == numpy.sign(drops[moved])).tolist())
    return {name: {key: float(numpy.mean(values)) for key, values in row.items() if values}
            for name, row in rows.items()}


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--archive", default="sst2", help="an archive, or a shipped classifier's name")
    parser.add_argument("--shared", default=SHARED)
    parser.add_argument("--sentences", type=int, default=200, help="the first N sentences of SST dev")
    args = parser.parse_args(argv)
    from sst_elmo.commands.archive_loading import load_predictor

    predictor = load_predictor(argparse.Namespace(archive_file=args.archive, cuda_device=-1, overrides="",
                                                  weights_file=None, predictor=None, predictor_args="",
                                                  fast_elmo=True))
    reader = predictor._dataset_reader
    sentences = []
    for instance in reader.read(os.path.join(args.shared, "data", "sst", "dev.txt")):
        sentences.append([token.text for token in instance["tokens"]])
        if len(sentences) == args.sentences:
            break
    result = agreement(predictor, sentences)
    print(json.dumps(result, indent=2))
    print("| method | drop of p(label), its top word deleted | sign agrees with deletion | ms per sentence |")
    print("|---|---|---|---|")
    for name, row in result.items():
        sign = f"{100 * row['sign']:.1f}%" if "sign" in row else "—"
        ms = f"{1000 * row['seconds']:.0f}" if "seconds" in row else "—"
        print(f"| {name} | {row['top_drop']:+.4f} | {sign} | {ms} |")
