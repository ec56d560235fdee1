"""
A grid of `allennlp train` runs: configs x seeds x training-set sizes, each run a subprocess
of the real CLI with `--overrides`, in its own serialization directory under `OUT/runs/`.

- A run whose directory has `model.tar.gz` and `metrics.json` is finished and skipped, so
  an interrupted grid resumes; an unfinished directory is trained again from scratch.
- A failing run is recorded (return code and the tail of its log in `OUT/status/`) and
  the grid goes on.
- Seeds set `random_seed`, `numpy_seed` and `pytorch_seed` (seed, seed + 1, seed + 2, as
  `configs/lib/classifier.libsonnet` does).
- Sizes cut the training set with the readers' `max_instances` (AllenNLP's
  `DatasetReader` parameter): a run of size n trains on the first n instances the
  training reader yields, so smaller sets are prefixes of larger ones, the same for every
  seed. With `"size_unit": "trees"` a size is a number of SST trees instead, drawn at random
  from the whole training file with a fixed seed (the `sst_trees` reader's `sample_trees`),
  and each tree brings the phrases its config reads. Validation and test data are never cut.
- An entry's `hyperparameters` (e.g. a tuning study's best trial, which `scripts/tune.py` writes
  as a grid entry into `OUT/best.json`) reach its config as a study's trial hands them over: as
  the `SST_ELMO_HP_*` variables of `configs/lib/tunable.libsonnet`, so a seed run trains
  exactly the config that the trial trained.
"""
import json
import logging
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from allennlp.common.checks import ConfigurationError
from allennlp.common.tqdm import Tqdm

from sst_elmo.common.config_env import HYPERPARAMETER_PREFIX, TUNABLE_HYPERPARAMETERS
from sst_elmo.common.file_utils import atomic_write, has_checkpoint
from sst_elmo.common.launch import run_logged, train_command
from sst_elmo_lab.grids.overrides import combine, merge, to_dotted
from sst_elmo_lab.grids.results import run_row

logger = logging.getLogger(__name__)

FULL = "full"
SIZE_UNITS = ("instances", "trees")
STATUS_DONE = "done"
STATUS_FAILED = "failed"
LOG_TAIL_CHARS = 4000


@dataclass(frozen=True)
class Size:
    """
    A training-set size: all of it (`"full"`), a count of instances, or a fraction.

    # Parameters

    count : `int`, optional
    fraction : `float`, optional
        In (0, 1); neither set means the full training set.
    """

    count: Optional[int] = None
    fraction: Optional[float] = None

    @property
    def label(self) -> str:
        if self.count is not None:
            return f"n{self.count}"
        if self.fraction is not None:
            return f"f{self.fraction:g}"
        return FULL

    def max_instances(self, total: Optional[int]) -> Optional[int]:
        """The reader's `max_instances` for this size (`total`: the full set's size, for fractions)."""
        if self.count is not None:
            return self.count
        if self.fraction is not None:
            if total is None:
                raise ValueError("a fractional size needs the training set's size")
            return max(1, round(self.fraction * total))
        return None


def parse_size(value: Union[str, int, float]) -> Size:
    """`"full"` (or `1.0`); an integer count >= 1 (`500`, `"500"`); a fraction in (0, 1) (`0.25`, `"0.25"`)."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text == FULL:
            return Size()
        try:
            value = int(text) if text.isdigit() else float(text)
        except ValueError:
            raise ConfigurationError(f"a size is 'full', a count or a fraction, not {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigurationError(f"a size is 'full', a count or a fraction, not {value!r}")
    if isinstance(value, int):
        if value < 1:
            raise ConfigurationError(f"a size count must be >= 1, not {value}")
        return Size(count=value)
    if value == 1.0:
        return Size()
    if not 0.0 < value < 1.0:
        raise ConfigurationError(f"a size fraction must be in (0, 1], not {value}")
    return Size(fraction=value)


@dataclass
class GridEntry:
    """
    One config of the grid.

    # Parameters

    name : `str`
        Names its runs (directories, CSV rows, plots); letters, digits, `_`, `-`, `.`.
    config : `str`
        The Jsonnet config file.
    overrides : `Dict[str, Any]`, optional
        Merged onto the config key by key (dotted or nested keys).
    hyperparameters : `Dict[str, Any]`, optional
        Values of the tunable hyperparameters (`lr`, `dropout`, ...: the names of
        `sst_elmo.common.config_env.TUNABLE_HYPERPARAMETERS`), given to the config as its
        `SST_ELMO_HP_*` variables, the way a tuning study's trial gives them.
    """

    name: str
    config: str
    overrides: Dict[str, Any] = field(default_factory=dict)
    hyperparameters: Dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.hyperparameters) - set(TUNABLE_HYPERPARAMETERS))
        if unknown:
            raise ConfigurationError(
                f"config {self.name!r}: unknown hyperparameters {unknown}; "
                f"tunable are {sorted(TUNABLE_HYPERPARAMETERS)}"
            )

    def environment(self) -> Dict[str, str]:
        """The `SST_ELMO_HP_*` variables of the entry's hyperparameters (values as JSON)."""
        return {
            HYPERPARAMETER_PREFIX + name.upper(): json.dumps(value) for name, value in self.hyperparameters.items()
        }


@dataclass
class Grid:
    """
    The runs to make: every entry x seed x size, with grid-wide `overrides` under each
    entry's own.

    A grid file is JSON:
    `{"configs": [{"name", "config", "overrides", "hyperparameters"}], "seeds": [1, 2],
    "sizes": ["full", 0.5, 500],
    "overrides": {"trainer.num_epochs": 1}, "pair": ["baseline", "elmo"],
    "metrics": ["best_validation_f1_1", "best_validation_accuracy"], "size_unit": "instances"}`
    (`pair`: the two configs of the paired plot; `sizes` defaults to `["full"]`; `metrics`: the
    columns of the report's summary table, default `best_validation_accuracy` and `test_accuracy`;
    `size_unit`: `"instances"` (default) or `"trees"`, counts only, see the module docstring).
    """

    entries: List[GridEntry]
    seeds: List[int]
    sizes: List[Size] = field(default_factory=lambda: [Size()])
    overrides: Dict[str, Any] = field(default_factory=dict)
    pair: Optional[List[str]] = None
    metrics: Optional[List[str]] = None
    size_unit: str = "instances"

    def __post_init__(self) -> None:
        if self.size_unit not in SIZE_UNITS:
            raise ConfigurationError(f"size_unit must be one of {SIZE_UNITS}, not {self.size_unit!r}")
        if self.size_unit == "trees" and any(size.fraction is not None for size in self.sizes):
            raise ConfigurationError("sizes in trees are counts or 'full', not fractions")
        names = [entry.name for entry in self.entries]
        if not names or not self.seeds or not self.sizes:
            raise ConfigurationError("a grid needs at least one config, one seed and one size")
        for name in names:
            if not name or any(not (ch.isalnum() or ch in "_-.") for ch in name) or name.startswith("."):
                raise ConfigurationError(f"config name {name!r}: use letters, digits, '_', '-', '.'")
        if len(set(names)) != len(names):
            raise ConfigurationError(f"config names must be unique: {names}")
        if len(set(self.seeds)) != len(self.seeds):
            raise ConfigurationError(f"seeds must be unique: {self.seeds}")
        if len({size.label for size in self.sizes}) != len(self.sizes):
            raise ConfigurationError(f"sizes must be unique: {[size.label for size in self.sizes]}")
        if self.pair is not None and (len(self.pair) != 2 or not set(self.pair) <= set(names)):
            raise ConfigurationError(f"pair must name two of the configs {names}, not {self.pair}")
        if self.metrics is not None and (
            not isinstance(self.metrics, list)
            or not self.metrics
            or not all(isinstance(metric, str) and metric for metric in self.metrics)
        ):
            raise ConfigurationError(f"metrics must be a non-empty list of metric names, not {self.metrics!r}")

    @classmethod
    def from_json(cls, data: Mapping[str, Any], source: str = "<grid>") -> "Grid":
        unknown = set(data) - {"configs", "seeds", "sizes", "overrides", "pair", "metrics", "size_unit"}
        if unknown:
            raise ConfigurationError(f"{source}: unknown grid keys {sorted(unknown)}")
        entry_keys = {"name", "config", "overrides", "hyperparameters"}
        for item in data.get("configs", []):
            if isinstance(item, Mapping) and set(item) - entry_keys:
                raise ConfigurationError(
                    f"{source}: config {item.get('name')!r} has unknown keys {sorted(set(item) - entry_keys)} "
                    f"(known: {sorted(entry_keys)})"
                )
        try:
            entries = [
                GridEntry(
                    str(item["name"]), str(item["config"]), dict(item.get("overrides") or {}),
                    dict(item.get("hyperparameters") or {}),
                )
                for item in data.get("configs", [])
            ]
            seeds = [int(seed) for seed in data.get("seeds", [])]
        except (KeyError, TypeError, ValueError) as error:
            raise ConfigurationError(f"{source}: bad configs or seeds ({error!r})") from None
        except ConfigurationError as error:
            raise ConfigurationError(f"{source}: {error.message}") from None
        sizes = [parse_size(size) for size in data.get("sizes", [FULL])]
        try:
            overrides = dict(data.get("overrides") or {})
            return cls(
                entries, seeds, sizes, overrides, data.get("pair"), data.get("metrics"),
                str(data.get("size_unit", "instances")),
            )
        except ConfigurationError as error:
            raise ConfigurationError(f"{source}: {error.message}") from None

    @classmethod
    def from_file(cls, path: str) -> "Grid":
        with open(path) as handle:
            try:
                data = json.load(handle)
            except json.JSONDecodeError as error:
                raise ConfigurationError(f"{path}:{error.lineno}: not valid JSON ({error.msg})") from None
        return cls.from_json(data, path)


@dataclass
class Run:
    """One run of the grid and where its files go under the grid's output directory."""

    entry: GridEntry
    seed: int
    size: Size
    out_dir: str

    @property
    def run_id(self) -> str:
        return f"{self.entry.name}/seed{self.seed}/{self.size.label}"

    @property
    def serialization_dir(self) -> str:
        return os.path.join(self.out_dir, "runs", self.entry.name, f"seed{self.seed}", self.size.label)

    @property
    def _stem(self) -> str:
        return self.run_id.replace("/", "__")

    @property
    def log_path(self) -> str:
        return os.path.join(self.out_dir, "logs", self._stem + ".log")

    @property
    def status_path(self) -> str:
        return os.path.join(self.out_dir, "status", self._stem + ".json")

    def finished(self) -> bool:
        return all(
            os.path.exists(os.path.join(self.serialization_dir, name)) for name in ("model.tar.gz", "metrics.json")
        )

    def status(self) -> Dict[str, Any]:
        """The recorded status (`{}` if none)."""
        if os.path.exists(self.status_path):
            with open(self.status_path) as handle:
                return json.load(handle)
        return {}


def seed_overrides(seed: int) -> Dict[str, int]:
    return {"random_seed": seed, "numpy_seed": seed + 1, "pytorch_seed": seed + 2}


def evaluate_config(config: str, env: Mapping[str, str]) -> Dict[str, Any]:
    """The config as AllenNLP evaluates it (Jsonnet with `env` as external variables)."""
    from allennlp.common.params import Params

    import sst_elmo  # noqa: F401 - registers components; defaults for SST_ELMO_* variables

    ext_vars = {key: value for key, value in env.items() if isinstance(value, str)}
    return Params.from_file(config, ext_vars=ext_vars).as_dict(quiet=True)


def count_training_instances(config: Mapping[str, Any]) -> int:
    """How many instances the config's training reader yields from its `train_data_path`."""
    from allennlp.common.params import Params
    from allennlp.data import DatasetReader

    reader_params = dict(config["dataset_reader"])
    reader_params.pop("max_instances", None)
    reader = DatasetReader.from_params(Params(reader_params))
    return sum(1 for _ in reader.read(config["train_data_path"]))


def count_training_trees(config: Mapping[str, Any]) -> int:
    """How many trees (non-blank lines) the config's `train_data_path` holds."""
    from sst_elmo.common.file_utils import numbered_lines

    return sum(1 for _ in numbered_lines(config["train_data_path"]))


class GridRunner:
    """
    Trains the runs of a `Grid` with `allennlp train` in subprocesses.

    # Parameters

    grid : `Grid`
    out_dir : `str`
    env : `Mapping[str, str]`, optional (default = `os.environ`)
        The environment of every run (`SST_ELMO_*` variables pass through).
    jobs : `int`, optional (default = `1`)
        Runs trained at the same time.
    threads : `int`, optional
        Sets `OMP_NUM_THREADS` and `MKL_NUM_THREADS` of every run.
    timeout : `float`, optional
        Seconds after which a run is killed and recorded as failed.
    """

    def __init__(
        self,
        grid: Grid,
        out_dir: str,
        env: Optional[Mapping[str, str]] = None,
        jobs: int = 1,
        threads: Optional[int] = None,
        timeout: Optional[float] = None,
    ) -> None:
        if jobs < 1:
            raise ConfigurationError(f"jobs must be >= 1, not {jobs}")
        self.grid = grid
        self.out_dir = os.path.abspath(out_dir)
        self.env = dict(os.environ if env is None else env)
        if threads is not None:
            self.env["OMP_NUM_THREADS"] = self.env["MKL_NUM_THREADS"] = str(threads)
        self.jobs = jobs
        self.timeout = timeout
        self._configs: Dict[str, Dict[str, Any]] = {}
        self._totals: Dict[str, int] = {}

    def entry_env(self, entry: GridEntry) -> Dict[str, str]:
        """The environment of the entry's runs: the grid's, with its hyperparameters."""
        return {**self.env, **entry.environment()}

    def runs(self) -> List[Run]:
        return [
            Run(entry, seed, size, self.out_dir)
            for entry in self.grid.entries
            for size in self.grid.sizes
            for seed in self.grid.seeds
        ]

    def _config(self, entry: GridEntry) -> Dict[str, Any]:
        if entry.name not in self._configs:
            self._configs[entry.name] = evaluate_config(entry.config, self.entry_env(entry))
        return self._configs[entry.name]

    def training_size(self, entry: GridEntry) -> int:
        """The full training set's size for this entry (instances, or trees), counted once."""
        if entry.name not in self._totals:
            merged = merge(self._config(entry), combine(self.grid.overrides, entry.overrides))
            counter = count_training_trees if self.grid.size_unit == "trees" else count_training_instances
            self._totals[entry.name] = counter(merged)
        return self._totals[entry.name]

    def overrides(self, run: Run) -> Dict[str, Any]:
        """The `--overrides` of a run, as dotted keys against its evaluated config."""
        config = self._config(run.entry)
        layers: List[Mapping[str, Any]] = [self.grid.overrides, run.entry.overrides, seed_overrides(run.seed)]
        total = self.training_size(run.entry) if run.size.fraction is not None else None
        max_instances = run.size.max_instances(total)
        if max_instances is not None:
            key = "sample_trees" if self.grid.size_unit == "trees" else "max_instances"
            layers.append({"dataset_reader": {key: max_instances}})
            if "validation_dataset_reader" not in config:
                # Validation would read with the cut training reader: give it an uncut copy.
                uncut = combine(
                    {"dataset_reader": config["dataset_reader"]}, self.grid.overrides, run.entry.overrides
                )["dataset_reader"]
                layers.append({"validation_dataset_reader": uncut})
        return to_dotted(combine(*layers), config)

    def command(self, run: Run) -> List[str]:
        # An unfinished run goes on from its last checkpoint (--recover); one that saved none
        # starts again (--force).
        recover = has_checkpoint(run.serialization_dir)
        force = not recover and os.path.exists(run.serialization_dir)
        return train_command(run.entry.config, run.serialization_dir, self.overrides(run), recover, force)

    def run_one(self, run: Run) -> Dict[str, Any]:
        """Trains one run unless finished; returns (and writes) its status record."""
        if run.finished():
            return run.status() or {"run_id": run.run_id, "status": STATUS_DONE}
        started = time.time()
        record: Dict[str, Any] = {"run_id": run.run_id, "config": run.entry.config, "seed": run.seed,
                                  "size": run.size.label}
        if run.entry.hyperparameters:
            record["hyperparameters"] = run.entry.hyperparameters
        try:
            overrides = self.overrides(run)
            record["max_instances"] = overrides.get("dataset_reader.max_instances")
            if self.grid.size_unit == "trees":
                record["sample_trees"] = overrides.get("dataset_reader.sample_trees")
            command = self.command(run)
            record["command"] = command
            record["returncode"] = run_logged(command, run.log_path, self.entry_env(run.entry), self.timeout)
        except subprocess.TimeoutExpired:
            record["returncode"] = None
            record["error"] = f"killed after {self.timeout} s"
        except Exception as error:  # noqa: B902 - a bad config must not stop the grid
            record["returncode"] = None
            record["error"] = f"{type(error).__name__}: {error}"
        record["wall_s"] = round(time.time() - started, 3)
        record["status"] = STATUS_DONE if record["returncode"] == 0 and run.finished() else STATUS_FAILED
        if record["status"] == STATUS_FAILED:
            record["log_tail"] = _tail(run.log_path) if os.path.exists(run.log_path) else record.get("error", "")
            logger.warning(f"run {run.run_id} failed (return code {record['returncode']}); see {run.status_path}")
        os.makedirs(os.path.dirname(run.status_path), exist_ok=True)
        atomic_write(run.status_path, json.dumps(record, indent=2))
        return record

    def run_all(self) -> List[Dict[str, Any]]:
        """Trains every unfinished run (`jobs` at a time); returns their status records in grid order."""
        runs = self.runs()
        with Tqdm.tqdm(total=len(runs), desc="grid", unit="runs") as progress:

            def one(run: Run) -> Dict[str, Any]:
                record = self.run_one(run)
                progress.update(1)
                return record

            if self.jobs == 1:
                return [one(run) for run in runs]
            with ThreadPoolExecutor(max_workers=self.jobs) as pool:
                return list(pool.map(one, runs))

    def train_instances(self, run: Run, count: bool = False) -> Optional[int]:
        """
        The run's training-set size in instances: its count (capped by the full set's size
        when known), or from the full set's size, counted when `count` or needed.
        """
        if count or run.size.fraction is not None:
            self.training_size(run.entry)
        total = self._totals.get(run.entry.name)
        if run.size.count is not None:
            return run.size.count if total is None else min(run.size.count, total)
        return run.size.max_instances(total) if run.size.fraction is not None else total

    def results(self) -> List[Dict[str, Any]]:
        """One results row per run of the grid (see `sst_elmo_lab.grids.results.run_row`)."""
        count = sizes_need_counting(self.grid.sizes)
        rows = []
        for run in self.runs():
            try:
                train_instances = self.train_instances(run, count=count)
            except Exception as error:  # noqa: B902 - a broken config has no size
                logger.warning(f"cannot count the training set of {run.entry.name}: {error}")
                train_instances = None
            rows.append(run_row(run, run.status(), train_instances))
        return rows


def _tail(path: str, chars: int = LOG_TAIL_CHARS) -> str:
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        handle.seek(max(0, handle.tell() - chars))
        return handle.read().decode("utf-8", errors="replace")


def sizes_need_counting(sizes: Sequence[Size]) -> bool:
    """Whether a size plot needs the full sets' sizes: fractions, or `full` beside other sizes."""
    return any(size.fraction is not None for size in sizes) or (
        len(sizes) > 1 and any(size.count is None and size.fraction is None for size in sizes)
    )
