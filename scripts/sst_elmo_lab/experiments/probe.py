"""
A linear probe of an ELMo on SST-2: does a biLM (or a checkpoint of one still training) carry
sentiment, and in which layer? Each SST-2 sentence (whole sentences, neutral dropped) becomes
the mean over its tokens of each biLM layer; a scikit-learn logistic regression is fitted on
the training sentences and scored on the dev sentences, per layer and on all layers
concatenated. The same probe over an untrained biLM of the same shape (`--control`) shows
what pre-training added. Minutes on a CPU, against hours for the classifier grids of
`sst_elmo_lab.experiments.diagnosis`; a monitor, not a result.

`scripts/probe_elmo.py` is the command line; `--checkpoint RUN model_state_e0_b1522.th` probes
a checkpoint of a pre-training run that has not finished (archived and exported on the way).
"""
import argparse
import json
import os
from typing import Dict, List, Optional, Sequence, Tuple

import numpy
import torch

Rows = List[Tuple[List[str], str]]


def sst2_rows(path: str, limit: Optional[int] = None) -> Rows:
    """The whole sentences of an SST tree file with their 2-class labels (neutral dropped)."""
    from sst_elmo.dataset_readers.sst_trees import SstTreesReader

    reader = SstTreesReader(granularity="2-class", use_subtrees=False)
    rows = [([token.text for token in instance["tokens"].tokens], instance["label"].label)
            for instance in reader.read(path)]
    return rows[:limit] if limit else rows


def mean_pooled_layers(options_file: str, weight_file: str, sentences: Sequence[List[str]],
                       batch_size: int = 64) -> numpy.ndarray:
    """`(num_sentences, num_layers, dim)`: each biLM layer averaged over each sentence's tokens."""
    from allennlp.modules.elmo import _ElmoBiLm, batch_to_ids
    from allennlp.nn.util import remove_sentence_boundaries

    from sst_elmo.elmo.runtime.fast_bilm import FastElmoBiLm

    bilm = FastElmoBiLm(_ElmoBiLm(options_file, weight_file)).eval()
    order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
    features: List[Optional[numpy.ndarray]] = [None] * len(sentences)
    with torch.no_grad():
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            output = bilm(batch_to_ids([sentences[i] for i in batch]))
            layers = []
            for activations in output["activations"]:
                # Shape: (batch, num_tokens, dim) and (batch, num_tokens), without <S> and </S>.
                words, mask = remove_sentence_boundaries(activations, output["mask"])
                mask = mask.unsqueeze(-1).float()
                layers.append((words * mask).sum(1) / mask.sum(1).clamp(min=1))
            # Shape: (batch, num_layers, dim)
            pooled = torch.stack(layers, dim=1)
            for row, index in enumerate(batch):
                features[index] = pooled[row].numpy()
    return numpy.stack(features)  # type: ignore[arg-type]


def probe(train_features: numpy.ndarray, train_labels: Sequence[str], dev_features: numpy.ndarray,
          dev_labels: Sequence[str], c: float = 1.0) -> Dict[str, float]:
    """Dev accuracy of a logistic regression per layer (`layer_0`, ...) and on `all_layers`."""
    from sklearn.linear_model import LogisticRegression

    def accuracy(train: numpy.ndarray, dev: numpy.ndarray) -> float:
        model = LogisticRegression(C=c, max_iter=3000).fit(train, list(train_labels))
        return float(model.score(dev, list(dev_labels)))

    result = {f"layer_{k}": accuracy(train_features[:, k], dev_features[:, k])
              for k in range(train_features.shape[1])}
    flat = lambda features: features.reshape(len(features), -1)  # noqa: E731
    result["all_layers"] = accuracy(flat(train_features), flat(dev_features))
    return result


def probe_elmo(options_file: str, weight_file: str, train: Rows, dev: Rows) -> Dict[str, float]:
    """The probe's dev accuracies for one ELMo."""
    train_features = mean_pooled_layers(options_file, weight_file, [words for words, _ in train])
    dev_features = mean_pooled_layers(options_file, weight_file, [words for words, _ in dev])
    return probe(train_features, [label for _, label in train], dev_features, [label for _, label in dev])


def export_checkpoint(run_dir: str, weights: str, out_dir: str) -> str:
    """Archives `run_dir/weights` (a checkpoint of a running pre-training) and exports its ELMo."""
    from allennlp.models.archival import archive_model

    from sst_elmo.elmo.files.export import export_elmo
    from sst_elmo.safety.archive_safety import safe_load_archive

    archive = os.path.join(out_dir, f"{os.path.splitext(weights)[0]}.tar.gz")
    elmo_dir = os.path.join(out_dir, os.path.splitext(weights)[0])
    if not os.path.exists(os.path.join(elmo_dir, "weights.hdf5")):
        os.makedirs(out_dir, exist_ok=True)
        archive_model(run_dir, weights=weights, archive_path=archive)
        export_elmo(safe_load_archive(archive, cuda_device=-1).model, elmo_dir, overwrite=True, softmax=False)
    return elmo_dir


def main(argv: Optional[List[str]] = None) -> int:
    from sst_elmo_lab.experiments.diagnosis import write_untrained_elmo

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--elmo", help="an exported ELMo directory (options.json, weights.hdf5)")
    parser.add_argument("--checkpoint", nargs=2, metavar=("RUN_DIR", "WEIGHTS"),
                        help="a pre-training run and one of its model_state_*.th checkpoints")
    parser.add_argument("--out", default=os.path.join("runs", "probe"), help="exports and results")
    parser.add_argument("--sst", default=os.path.join(os.environ.get("SST_ELMO_DATA") or "../shared/data", "sst"))
    parser.add_argument("--control", action="store_true", help="also probe an untrained biLM of the same shape")
    parser.add_argument("--limit", type=int, help="at most this many training sentences")
    args = parser.parse_args(argv)
    if bool(args.elmo) == bool(args.checkpoint):
        parser.error("give exactly one of --elmo and --checkpoint")
    elmo_dir = args.elmo or export_checkpoint(args.checkpoint[0], args.checkpoint[1], args.out)
    train = sst2_rows(os.path.join(args.sst, "train.txt"), args.limit)
    dev = sst2_rows(os.path.join(args.sst, "dev.txt"))
    elmos = {"elmo": elmo_dir}
    if args.control:
        elmos["untrained"] = os.path.dirname(
            write_untrained_elmo(os.path.join(elmo_dir, "options.json"), os.path.join(args.out, "untrained"))[0]
        )
    results = {}
    for name, directory in elmos.items():
        options, weights = (os.path.join(directory, name_) for name_ in ("options.json", "weights.hdf5"))
        results[name] = probe_elmo(options, weights, train, dev)
        cells = ", ".join(f"{key} {value:.4f}" for key, value in results[name].items())
        print(f"{name} ({directory}): SST-2 dev accuracy {cells}", flush=True)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "probe.json"), "w", encoding="utf-8") as handle:
        json.dump({"train_sentences": len(train), "dev_sentences": len(dev), "results": results}, handle, indent=1)
    return 0
