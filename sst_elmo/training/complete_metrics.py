import logging
from typing import Any, Dict, Optional

from allennlp.training.callbacks import TrainerCallback
from overrides import overrides

from sst_elmo.common.file_utils import epoch_metrics

logger = logging.getLogger(__name__)


@TrainerCallback.register("complete_metrics")
class CompleteMetricsCallback(TrainerCallback):
    """
    Makes the `metrics.json` of a recovered run hold everything a clean run's does.

    `allennlp train --recover` on a run whose epochs are all done (killed during the final
    test evaluation, or simply re-run) trains no epoch, so AllenNLP's trainer returns only
    `best_*` metrics and `metrics.json` loses `epoch`, `training_duration`, `training_*` and
    `validation_*`. At the end of training this callback fills every missing key from the
    newest `metrics_epoch_N.json`, which AllenNLP wrote with the same dict at the end of that
    epoch. Keys the trainer did compute are left as they are.

    Registered as a `TrainerCallback` with name "complete_metrics".
    """

    @overrides
    def on_end(
        self, trainer, metrics: Optional[Dict[str, Any]] = None, epoch: Optional[int] = None,
        is_primary: bool = True, **kwargs,
    ) -> None:
        if metrics is None or "epoch" in metrics or not self.serialization_dir:
            return
        epochs = epoch_metrics(self.serialization_dir)
        if not epochs:
            return
        missing = {key: value for key, value in epochs[-1].items() if key not in metrics}
        metrics.update(missing)
        logger.info("Recovered run: took %d metrics from the last metrics_epoch file.", len(missing))
