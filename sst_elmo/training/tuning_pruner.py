import logging
import os
from typing import Any, Dict, Optional

from allennlp.training.callbacks import TrainerCallback
from overrides import overrides

logger = logging.getLogger(__name__)

# The end of the name of the environment variable by which Optuna's `AllenNLPExecutor` (what
# `allennlp tune` trains each trial with) tells a trial's callbacks their trial.
_TRIAL_VARIABLE_SUFFIX = "_OPTUNA_ALLENNLP_TRIAL_ID"


def in_tuning_trial() -> bool:
    """Whether this process is training a trial of `allennlp tune` (Optuna's executor)."""
    return any(name.endswith(_TRIAL_VARIABLE_SUFFIX) and value for name, value in os.environ.items())


@TrainerCallback.register("tuning_pruner")
class TuningPrunerCallback(TrainerCallback):
    """
    Optuna's pruning for every config, switched on only inside a tuning trial.

    In a trial of `allennlp tune` (allennlp-optuna, which trains with Optuna's
    `AllenNLPExecutor`), this is Optuna's own `AllenNLPPruningCallback`: after each epoch it
    reports the study's metric (e.g. `best_validation_accuracy`) to the study's pruner, and
    a trial the pruner stops ends with `optuna.TrialPruned`. Anywhere else (`allennlp train`,
    the grids) it does nothing and Optuna is not imported, so the configs can always list it.

    Registered as a `TrainerCallback` with name "tuning_pruner".
    """

    def __init__(self, serialization_dir: str) -> None:
        super().__init__(serialization_dir)
        self._pruner: Optional[TrainerCallback] = None
        if in_tuning_trial():
            from optuna.integration.allennlp import AllenNLPPruningCallback

            self._pruner = AllenNLPPruningCallback()  # its trial and metric from the executor's variables
            logger.info("Tuning trial: the study's pruner sees every epoch.")

    @overrides
    def on_epoch(
        self, trainer, metrics: Dict[str, Any], epoch: int, is_primary: bool = True, **kwargs
    ) -> None:
        if self._pruner is not None:
            self._pruner.on_epoch(trainer, metrics, epoch, is_primary=is_primary, **kwargs)
