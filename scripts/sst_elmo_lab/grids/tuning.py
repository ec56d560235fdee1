"""
Tuning studies to a fixed budget of trials with allennlp-optuna's `allennlp tune`:

    python scripts/tune.py configs/sst2_lstm.jsonnet configs/tune/lstm_glove.json --trials 8 \\
        --out runs/tune/sst2_lstm

A study lives in a database (`--storage`; default an SQLite file `OUT/study.db`) under a name
(`--study-name`; default the config's file name). The command counts the study's finished
trials (complete or pruned) and runs `allennlp tune` for only the rest of the budget, so
running it again continues a study that was stopped, and a finished study starts nothing.
Trials that a killed process left "running" go on from their last epoch's checkpoint (AllenNLP's
`--recover`, with the trial's own suggestions and pruner) before any new trial starts; one with no
checkpoint yet is marked failed, and a new trial takes its place. Not with `--shared`, where a
running trial may be another worker's: there, such trials are not counted, and new ones replace them.
`--enqueue FILE` starts a new study from known values: its first trial takes the parameters of
FILE (another study's `best.json`, e.g. SST-2's for an SST-5 study, or a JSON object of
`SST_ELMO_HP_*` values), and the sampler chooses the rest of the budget as usual.
With `--shared` (the same command on several machines, one `--storage` database), a worker
runs one trial per `allennlp tune` and counts the finished trials again before each, so the
study stops within (workers - 1) trials of its budget: the trials already running when it is
reached finish too.
Each trial is an `allennlp train` run in `OUT/trials/trial_N`; the search space (a JSON list
of Optuna `suggest_*` calls, `configs/tune/*.json`) names the `SST_ELMO_HP_*` variables of
`configs/lib/tunable.libsonnet`; `configs/tune/optuna.json` chooses the pruner, which the
configs' `tuning_pruner` callback consults after each epoch. At the end, `OUT/best.json` has
the best trial's value and parameters, what every trial cost, the study's other `SST_ELMO_*`
variables (`"environment"`, e.g. `SST_ELMO_WORDS=imdb`) and the best trial as a grid entry
(`"grid_entry"`: its parameters as `hyperparameters`) to paste into a grid file for the seed
runs (`scripts/run_grid.py`): run in the same environment, they train the trial's config exactly.
"""
import argparse
import json
import logging
import os
import sys
import warnings
from typing import Any, Dict, List, Optional

from sst_elmo.common.config_env import HYPERPARAMETER_PREFIX
from sst_elmo.common.file_utils import atomic_write, final_metrics, has_checkpoint
from sst_elmo.common.launch import plugin_command, run_logged
from sst_elmo_lab.grids.study_storage import rdb_storage

logger = logging.getLogger(__name__)

DEFAULT_OPTUNA_PARAMS = "configs/tune/optuna.json"
DEFAULT_METRIC = "best_validation_accuracy"
FINISHED_STATES = ("COMPLETE", "PRUNED")


def default_storage(out_dir: str) -> str:
    """The SQLite file `OUT/study.db` as an SQLAlchemy URL (absolute, so any directory works)."""
    return "sqlite:///" + os.path.abspath(os.path.join(out_dir, "study.db"))


def study_trials(storage: str, study_name: str) -> List[Any]:
    """The trials of the study (`[]` when it does not exist yet)."""
    import optuna

    try:
        study = optuna.load_study(study_name=study_name, storage=storage)
    except KeyError:  # no such study in this storage
        return []
    return study.get_trials(deepcopy=False)


def finished_trials(storage: str, study_name: str) -> int:
    """How many of the study's trials ended complete or pruned."""
    return sum(trial.state.name in FINISHED_STATES for trial in study_trials(storage, study_name))


def tune_command(
    config: str, space: str, out_dir: str, storage: str, study_name: str, trials: int,
    metric: str = DEFAULT_METRIC, optuna_params: Optional[str] = DEFAULT_OPTUNA_PARAMS,
) -> List[str]:
    """The `allennlp tune` command that runs `trials` more trials of the study (created if new)."""
    arguments = [
        config, space, "--serialization-dir", os.path.join(out_dir, "trials"), "--storage", storage,
        "--study-name", study_name, "--skip-if-exists", "--direction", "maximize", "--metrics", metric,
        "--n-trials", str(trials),
    ]
    if optuna_params:
        arguments += ["--optuna-param-path", optuna_params]
    return plugin_command("tune", *arguments)


def summary(storage: str, study_name: str, metric: str) -> Dict[str, Any]:
    """The best trial and every trial's state, value, parameters and duration."""
    trials = study_trials(storage, study_name)
    rows = [
        {
            "number": trial.number,
            "state": trial.state.name,
            "value": trial.value,
            "epochs_reported": len(trial.intermediate_values),
            "duration_s": trial.duration.total_seconds() if trial.duration is not None else None,
            "params": trial.params,
        }
        for trial in trials
    ]
    complete = [row for row in rows if row["state"] == "COMPLETE" and row["value"] is not None]
    best = max(complete, key=lambda row: row["value"]) if complete else None
    durations = [row["duration_s"] for row in rows if row["state"] in FINISHED_STATES and row["duration_s"]]
    return {
        "study_name": study_name,
        "storage": storage,
        "metric": metric,
        "finished": sum(row["state"] in FINISHED_STATES for row in rows),
        "states": {state: sum(row["state"] == state for row in rows) for state in {r["state"] for r in rows}},
        "mean_trial_s": sum(durations) / len(durations) if durations else None,
        "best": best,
        "trials": rows,
    }


def grid_entry(name: str, config: str, params: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """
    A grid file's entry (`sst_elmo_lab.grids.grid.GridEntry`) that trains `config` with a
    trial's `params`; `None` when a parameter is not one of the `SST_ELMO_HP_*` variables.
    """
    hyperparameters = {}
    for key, value in params.items():
        if not key.startswith(HYPERPARAMETER_PREFIX):
            return None
        hyperparameters[key[len(HYPERPARAMETER_PREFIX):].lower()] = value
    return {"name": name, "config": config, "hyperparameters": hyperparameters}


def study_environment() -> Dict[str, str]:
    """The non-empty `SST_ELMO_*` variables other than the hyperparameters: what else made the configs."""
    return {
        key: value for key, value in sorted(os.environ.items())
        if key.startswith("SST_ELMO_") and not key.startswith(HYPERPARAMETER_PREFIX) and value
    }


def study_pruner(optuna_params: Optional[str]) -> Any:
    """The pruner that `allennlp tune` builds from its `--optuna-param-path` file (None without one)."""
    import optuna

    if not optuna_params or not os.path.isfile(optuna_params):
        return None
    with open(optuna_params) as handle:
        pruner = json.load(handle).get("pruner")
    if pruner is None:
        return None
    return getattr(optuna.pruners, pruner["type"])(**pruner.get("attributes", {}))


def outside_space(params: Dict[str, Any], space: List[Dict[str, Any]]) -> List[str]:
    """What in `params` a search space (`configs/tune/*.json`) cannot suggest: names and values."""
    problems = []
    if set(params) != {item["attributes"]["name"] for item in space}:
        problems.append(f"names {sorted(params)} are not the space's")
    for item in space:
        attributes = item["attributes"]
        name = attributes["name"]
        if name not in params:
            continue
        value = params[name]
        if item["type"] == "categorical":
            inside = value in attributes["choices"]
        else:
            inside = isinstance(value, (int, float)) and not isinstance(value, bool)
            inside = inside and attributes["low"] <= value <= attributes["high"]
        if not inside:
            problems.append(f"{name}={value!r} is outside its {item['type']} range")
    return problems


def enqueue_start(storage: str, study_name: str, path: str, space: str) -> bool:
    """
    Enqueues the parameters in `path` (a `best.json`, whose best trial's are taken, or a JSON
    object of `SST_ELMO_HP_*` values) as the first trial of the study, if it has no trial yet;
    returns whether it did. They must be every name of the search space and no other, each
    value inside its range (Optuna would quietly sample another).
    """
    import optuna

    with open(path) as handle:
        data = json.load(handle)
    best = data.get("best") if isinstance(data, dict) else None
    params = best["params"] if isinstance(best, dict) else data
    with open(space) as handle:
        problems = outside_space(params, json.load(handle)) if isinstance(params, dict) else ["not an object"]
    if problems:
        raise ValueError(f"{path}: not values of the search space {space} to start from: {'; '.join(problems)}")
    if study_trials(storage, study_name):
        return False
    study = optuna.create_study(study_name=study_name, storage=storage, direction="maximize", load_if_exists=True)
    with warnings.catch_warnings():  # Optuna 2 calls enqueue_trial experimental; it is kept in Optuna 3
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study.enqueue_trial(params)
    return True


def trial_dir(out_dir: str, number: int) -> str:
    """Where `allennlp tune` trains trial `number` (its `--serialization-dir` is `OUT/trials`)."""
    return os.path.join(out_dir, "trials", f"trial_{number}")


def resume_trial(args: argparse.Namespace, storage: str, study_name: str, number: int) -> str:
    """
    Finishes trial `number`, which a killed `allennlp tune` left running, from its last checkpoint:
    `allennlp train --recover` in `OUT/trials/trial_N` with the trial's own suggestions, reporting to
    the study's pruner as `allennlp tune` does. Returns the state it ends in.
    """
    import optuna
    from allennlp.commands.train import train_model
    from allennlp.common import Params
    from optuna.integration import AllenNLPExecutor
    from optuna.trial import TrialState

    study = optuna.load_study(study_name=study_name, storage=storage, pruner=study_pruner(args.optuna_params))
    trial = study.get_trials(deepcopy=False)[number]
    serialization_dir = trial_dir(args.out, number)
    executor = AllenNLPExecutor(optuna.Trial(study, trial._trial_id), args.config, serialization_dir,
                                metrics=args.metric)
    saved_environment = dict(os.environ)
    try:
        executor._set_environment_variables()  # what the configs' pruning callback reads
        train_model(Params(executor._build_params()), serialization_dir, recover=True)
        study.tell(number, final_metrics(serialization_dir)[args.metric])
        return TrialState.COMPLETE.name
    except optuna.TrialPruned:
        study.tell(number, state=TrialState.PRUNED)
        return TrialState.PRUNED.name
    except Exception:
        study.tell(number, state=TrialState.FAIL)
        raise
    finally:
        os.environ.clear()
        os.environ.update(saved_environment)


def resume_interrupted(args: argparse.Namespace, storage: str, study_name: str) -> None:
    """Finishes the trials left running by a killed process (the caller is the study's only worker)."""
    import optuna
    from optuna.trial import TrialState

    for trial in study_trials(storage, study_name):
        if trial.state != TrialState.RUNNING:
            continue
        serialization_dir = trial_dir(args.out, trial.number)
        if not has_checkpoint(serialization_dir):
            print(f"trial {trial.number} was stopped before its first checkpoint: marked failed", file=sys.stderr)
            optuna.load_study(study_name=study_name, storage=storage).tell(trial.number, state=TrialState.FAIL)
            continue
        print(f"trial {trial.number} was stopped: resuming it from its checkpoint in {serialization_dir}",
              file=sys.stderr)
        state = resume_trial(args, storage, study_name, trial.number)
        print(f"trial {trial.number}: {state.lower()}", file=sys.stderr)


def run_to_budget(args: argparse.Namespace, storage: str, study_name: str) -> int:
    """Runs `allennlp tune` until the study has `args.trials` finished trials; its exit status."""
    log = os.path.join(args.out, "tune.log")
    if args.enqueue:
        try:
            started = enqueue_start(storage, study_name, args.enqueue, args.space)
        except (OSError, ValueError) as error:  # a missing or unreadable file, values outside the space
            raise SystemExit(f"--enqueue: {error}") from None
        if started:
            print(f"the first trial takes the values of {args.enqueue}", file=sys.stderr)
    if not args.shared:
        resume_interrupted(args, storage, study_name)
    while True:
        done = finished_trials(storage, study_name)
        remaining = args.trials - done
        print(f"study {study_name!r} in {storage}: {done} of {args.trials} trials finished", file=sys.stderr)
        if remaining <= 0:
            return 0
        batch = 1 if args.shared else remaining
        command = tune_command(
            args.config, args.space, args.out, storage, study_name, batch, args.metric, args.optuna_params
        )
        print(f"running {batch} trial(s); log in {log}", file=sys.stderr)
        status = run_logged(command, log, append=True)
        if status or not args.shared:
            return status
        if finished_trials(storage, study_name) == done:  # others only add: this worker's trial failed
            print(f"a trial ended without finishing (failed); see {log}", file=sys.stderr)
            return 1


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    description = __doc__.strip().splitlines()[0]
    parser = argparse.ArgumentParser(description=description, epilog="See the module docstring.")
    parser.add_argument("config", help="the Jsonnet config to tune")
    parser.add_argument("space", help="the search space, a JSON list (configs/tune/*.json)")
    parser.add_argument("--trials", type=int, required=True, help="the study's budget of finished trials")
    parser.add_argument("--out", required=True, help="directory of the trials, the default study.db and best.json")
    parser.add_argument("--storage", help="the study's database URL (default: sqlite:///OUT/study.db)")
    parser.add_argument("--study-name", help="default: the config's file name without .jsonnet")
    parser.add_argument("--shared", action="store_true",
                        help="other workers run this study too: one trial at a time, the budget counted "
                        "before each")
    parser.add_argument("--enqueue", metavar="FILE",
                        help="a new study's first trial takes these values: another study's best.json, "
                        "or a JSON object of SST_ELMO_HP_* values")
    parser.add_argument("--metric", default=DEFAULT_METRIC, help=f"maximised (default {DEFAULT_METRIC})")
    parser.add_argument("--optuna-params", default=DEFAULT_OPTUNA_PARAMS,
                        help=f"allennlp tune's --optuna-param-path: the pruner (default {DEFAULT_OPTUNA_PARAMS})")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    args = parse_args(argv)
    if args.trials < 1:
        raise SystemExit("--trials must be >= 1")
    if args.enqueue and args.shared:  # every worker would find the study empty and enqueue it
        raise SystemExit("--enqueue starts a study on one machine: not with --shared")
    os.makedirs(args.out, exist_ok=True)
    storage = args.storage or default_storage(args.out)
    study_name = args.study_name or os.path.basename(args.config).rsplit(".", 1)[0]
    rdb_storage(storage)  # makes a new database's tables once, even while other workers start too
    status = run_to_budget(args, storage, study_name)
    result = summary(storage, study_name, args.metric)
    result["environment"] = study_environment()
    if result["best"] is not None:
        result["grid_entry"] = grid_entry(f"{study_name}_tuned", args.config, result["best"]["params"])
    atomic_write(os.path.join(args.out, "best.json"), json.dumps(result, indent=2))
    best = result["best"]
    if best is not None:
        print(f"best trial {best['number']}: {args.metric} {best['value']:.4f} with {json.dumps(best['params'])}")
    print(f"{os.path.join(args.out, 'best.json')}: {result['finished']} trials finished {result['states']}")
    if status:
        print(f"allennlp tune exited with {status}; see {os.path.join(args.out, 'tune.log')}", file=sys.stderr)
    return 1 if status else 0
