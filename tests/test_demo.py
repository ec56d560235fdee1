"""`make demo` (sst_elmo/demo.py): short output for the user, full log in the run directory."""
import json

from sst_elmo.demo import SENTENCES, epoch_line, run_demo, shown
from tests.conftest import CONFIGS


def test_metric_lines_show_accuracy_and_f1_only():
    metrics = {"best_validation_accuracy": 0.5, "best_validation_macro_f1": 0.25, "best_validation_loss": 1.2,
               "validation_accuracy": 0.1, "peak_cpu_memory_MB": 900.0}
    assert shown(metrics, "best_validation_") == "accuracy=0.5000, macro_f1=0.2500"
    assert epoch_line({"validation_accuracy": 0.4, "validation_loss": 2.0}, 0, 3) == (
        "demo:   epoch 1/3: validation accuracy=0.4000")


def test_demo_prints_progress_metrics_and_outputs_and_logs_the_rest(tmp_path, fixture_env):
    out = tmp_path / "demo"
    lines = []
    assert run_demo(str(CONFIGS / "sst5_elmo.jsonnet"), str(out), epochs=2, say=lines.append) == 0
    text = "\n".join(lines)
    assert len(lines) <= 12, text
    assert [line for line in lines if "epoch " in line and "/2:" in line] == [
        line for line in lines if line.startswith(("demo:   epoch 1/2", "demo:   epoch 2/2"))]
    assert sum(line.startswith("demo:   epoch ") for line in lines) == 2
    test = json.loads((out / "evaluation.json").read_text())
    assert f"demo:   test accuracy={test['accuracy']:.4f}" in text
    predictions = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert len(predictions) == len(SENTENCES) and all(f"  {' '.join(p['tokens'])}" in text for p in predictions)
    assert str(out / "model" / "model.tar.gz") in lines[-1] and str(out / "demo.log") in lines[-1]
    log = (out / "demo.log").read_text()
    assert "allennlp.training.gradient_descent_trainer" in log and "allennlp.models.archival" in log  # all of it


def test_a_failed_training_says_where_the_log_is(tmp_path, fixture_env):
    config = tmp_path / "broken.jsonnet"
    config.write_text('{"dataset_reader": {"type": "sst_trees"}, "train_data_path": "/no/such/file",'
                      ' "model": {"type": "lstm_classifier"}, "data_loader": {"batch_size": 2},'
                      ' "trainer": {"num_epochs": 1}}')
    lines = []
    assert run_demo(str(config), str(tmp_path / "run"), say=lines.append) == 1
    assert "training failed" in lines[-1] and "demo.log" in lines[-1]
