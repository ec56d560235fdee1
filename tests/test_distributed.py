"""Distributed training (AllenNLP's DDP) with two CPU workers over gloo, through the real CLI."""
import json
import os
import subprocess
import sys

import pytest
from allennlp.models.archival import load_archive

from tests.conftest import FIXTURES, PROJECT_ROOT, fixture_variables

pytestmark = pytest.mark.slow

# The documented override: two CPU workers; the test set is evaluated afterwards with
# `allennlp evaluate`, because AllenNLP 2.10.1's evaluate_on_test runs on the primary worker
# alone while its metrics still all-reduce across workers (the run crashes at the end).
DISTRIBUTED = {"distributed": {"cuda_devices": [-1, -1]}, "evaluate_on_test": False}


def allennlp(*args, env):
    result = subprocess.run(
        [sys.executable, "-m", "allennlp", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"allennlp {args[0]} failed:\n{result.stderr[-3000:]}"
    return result


def metric_files(run):
    return sorted(p.name for p in run.iterdir() if p.name.startswith("metrics") or p.name == "model.tar.gz")


def comparable_keys(path):
    return {key for key in json.loads(path.read_text()) if "worker" not in key and not key.startswith("test_")}


# Two nodes of one CPU worker each, on loopback: AllenNLP's `num_nodes`, `primary_address`,
# `primary_port` and `allennlp train --node-rank`. Each node has its own serialization
# directory, as separate machines would. The world is the same as one node with two workers
# (global ranks 0 and 1, the same shards, the same seeds), so their metrics must agree to
# float32 rounding: `TOLERANCE`.
TOLERANCE = 1e-5


def free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def train_on_nodes(config, runs, overrides, env, log_dir, nodes):
    """`allennlp train` as `nodes` nodes of one worker each (1: not distributed); the node runs."""
    callback = {"type": "test_instance_log", "log_dir": str(log_dir)}
    overrides = {**overrides, "trainer.callbacks": [callback]}
    if nodes > 1:
        overrides["distributed"] = {"cuda_devices": [-1], "num_nodes": nodes, "primary_address": "127.0.0.1",
                                    "primary_port": free_port()}
    command = [sys.executable, "-m", "allennlp", "train", config, "-o", json.dumps(overrides),
               "--include-package", "tests.instance_log_callback"]
    processes = [subprocess.Popen([*command, "-s", str(runs / f"node{rank}"), "--node-rank", str(rank)],
                                  cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                 for rank in range(nodes)]
    errors = [process.communicate(timeout=600)[1].decode(errors="replace") for process in processes]
    assert [process.returncode for process in processes] == [0] * nodes, [error[-3000:] for error in errors]
    return [runs / f"node{rank}" for rank in range(nodes)]


def logged_instances(log_dir):
    """Every instance the workers trained on in epoch 0, by global rank."""
    return {path.stem: path.read_text().splitlines() for path in sorted(log_dir.glob("rank*.txt"))}


def close_metrics(first, second):
    one, two = (json.loads((run / "metrics.json").read_text()) for run in (first, second))
    keys = {key for key in one if isinstance(one[key], float) and "memory" not in key and "duration" not in key
            and "time" not in key}
    assert keys, one
    return {key: (one[key], two.get(key)) for key in keys
            if two.get(key) is None or abs(one[key] - two[key]) > TOLERANCE * max(1.0, abs(one[key]))}


# Each config is trained three times, once for all the tests of this module: alone (one
# worker), as two nodes of one worker each, and as one node with two workers.
LSTM = ("configs/sst5_lstm.jsonnet", {"trainer.num_epochs": 2, "evaluate_on_test": False,
                                      "dataset_reader.use_subtrees": False,
                                      "data_loader.batch_sampler.batch_size": 2})
BILM = ("configs/pretrain/tiny.jsonnet", {})


def three_runs(config, overrides, tmp_path, tiny_elmo):
    env = dict(os.environ, OMP_NUM_THREADS="1", **fixture_variables(tiny_elmo))
    [alone] = train_on_nodes(config, tmp_path / "alone", overrides, env, tmp_path / "log_alone", nodes=1)
    nodes = train_on_nodes(config, tmp_path / "nodes", overrides, env, tmp_path / "log_nodes", nodes=2)
    one_node = tmp_path / "one_node_two_workers"
    allennlp("train", config, "-s", str(one_node), "-o", json.dumps(
        {**overrides, **DISTRIBUTED}), env=env)
    return {"alone": alone, "nodes": nodes, "one_node": one_node, "env": env,
            "log_alone": tmp_path / "log_alone", "log_nodes": tmp_path / "log_nodes"}


@pytest.fixture(scope="module")
def lstm_runs(tmp_path_factory, tiny_elmo):
    return three_runs(*LSTM, tmp_path_factory.mktemp("lstm_runs"), tiny_elmo)


@pytest.fixture(scope="module")
def bilm_runs(tmp_path_factory, tiny_elmo):
    return three_runs(*BILM, tmp_path_factory.mktemp("bilm_runs"), tiny_elmo)


def test_two_cpu_workers_give_the_same_files(lstm_runs, tmp_path):
    single, distributed = lstm_runs["alone"], lstm_runs["one_node"]
    assert metric_files(distributed) == metric_files(single) == [
        "metrics.json", "metrics_epoch_0.json", "metrics_epoch_1.json", "model.tar.gz"]
    for name in ("metrics.json", "metrics_epoch_1.json"):
        assert comparable_keys(distributed / name) == comparable_keys(single / name)
    metrics = json.loads((distributed / "metrics.json").read_text())
    assert {"peak_worker_0_memory_MB", "peak_worker_1_memory_MB"} <= set(metrics)

    archive = load_archive(str(distributed / "model.tar.gz"))
    assert type(archive.model).__name__ == "LstmClassifier"
    evaluation = tmp_path / "evaluation.json"
    allennlp("evaluate", str(distributed / "model.tar.gz"), str(FIXTURES / "data/sst/test.txt"),
             "--output-file", str(evaluation), env=lstm_runs["env"])
    assert 0.0 <= json.loads(evaluation.read_text())["accuracy"] <= 1.0


def test_biLM_pre_training_with_two_cpu_workers_reads_each_sentence_once(bilm_runs):
    # Each worker reads its own shard of the documents; the metrics are summed over both.
    single, distributed = bilm_runs["alone"], bilm_runs["one_node"]
    one, two = (json.loads((run / "metrics.json").read_text()) for run in (single, distributed))
    assert one["training_words"] == two["training_words"] > 0
    assert one["validation_words"] == two["validation_words"] > 0
    assert {"peak_worker_0_memory_MB", "peak_worker_1_memory_MB"} <= set(two)
    assert 1.0 < two["validation_perplexity"] < 1e4
    assert type(load_archive(str(distributed / "model.tar.gz")).model).__name__ == "ElmoBiLm"


@pytest.mark.parametrize("runs", ["lstm_runs", "bilm_runs"], ids=["lstm_classifier", "elmo_bilm"])
def test_two_nodes_read_each_instance_once_and_train_as_one_node_with_two_workers(runs, request):
    runs = request.getfixturevalue(runs)
    alone, nodes, one_node = runs["alone"], runs["nodes"], runs["one_node"]

    # Each instance once: the two nodes' workers together trained on exactly the instances of
    # the single run, none twice, each node on its own half.
    single, shared = logged_instances(runs["log_alone"]), logged_instances(runs["log_nodes"])
    assert sorted(shared) == ["rank0", "rank1"] and all(shared.values())
    assert sorted(shared["rank0"] + shared["rank1"]) == sorted(single["rank0"])
    assert not set(shared["rank0"]) & set(shared["rank1"])

    # Each node's archive loads; both nodes' metrics, and one node with two workers, agree.
    for run in nodes:
        assert load_archive(str(run / "model.tar.gz")).model is not None
    assert close_metrics(nodes[0], nodes[1]) == {}
    assert close_metrics(nodes[0], one_node) == {}
    assert close_metrics(nodes[0], alone) != {}, "the 2-worker runs should differ from 1 worker somewhere"
