import json
import logging
import os
import time
from typing import Any, Dict, Optional

from allennlp.training.callbacks import TrainerCallback
from overrides import overrides

from sst_elmo.common.file_utils import atomic_write

logger = logging.getLogger(__name__)

# The keys this callback adds to each `metrics_epoch_N.json` (and so to `metrics.json`).
CLOCK_KEYS = ("clock_epoch_seconds", "clock_epoch_words", "clock_total_seconds", "clock_total_words")


@TrainerCallback.register("training_clock")
class TrainingClockCallback(TrainerCallback):
    """
    Training time and words read that survive `allennlp train --recover`.

    AllenNLP's `training_duration` and a model's per-epoch counters (`elmo_bilm`'s `words`)
    start again from zero in a recovered process, so after an interruption they count only
    what the last process did. This callback keeps running totals in its state, which
    AllenNLP's checkpoints save with the trainer's state: the work up to the last checkpoint
    before an interruption is counted once, and the work after it (which the recovered run
    redoes) is counted when it is redone. Time a process spends before its first batch
    (restoring, skipping finished batches) and on validation is counted; time while no
    process runs is not.

    At the end of each epoch it adds `clock_epoch_seconds`, `clock_epoch_words` (that epoch,
    across recoveries) and `clock_total_seconds`, `clock_total_words` (the run so far) to the
    epoch's metrics and rewrites `metrics_epoch_N.json` with them. Words are read from the
    model's `words_metric` metric (per epoch, as `elmo_bilm` reports it); a model without it
    gets times only.

    Registered as a `TrainerCallback` with name "training_clock".

    # Parameters

    serialization_dir : `str`
        Given by the trainer.
    words_metric : `str`, optional (default = `"words"`)
        The model metric that counts the words read so far in the epoch.
    """

    def __init__(self, serialization_dir: str, words_metric: str = "words") -> None:
        super().__init__(serialization_dir)
        self._words_metric = words_metric
        self._totals = {"seconds": 0.0, "words": 0.0}
        # What earlier processes did in the current epoch (restored from a mid-epoch checkpoint).
        self._carried = {"seconds": 0.0, "words": 0.0}
        self._epoch_started = time.monotonic()
        self._process_words = 0.0  # this process's words in the current epoch

    def _epoch_so_far(self) -> Dict[str, float]:
        return {
            "seconds": self._carried["seconds"] + time.monotonic() - self._epoch_started,
            "words": self._carried["words"] + self._process_words,
        }

    @overrides
    def on_start(self, trainer, is_primary: bool = True, **kwargs) -> None:
        self._epoch_started = time.monotonic()
        self._process_words = 0.0

    @overrides
    def on_batch(
        self, trainer, batch_inputs, batch_outputs, batch_metrics: Dict[str, Any], epoch: int,
        batch_number: int, is_training: bool, is_primary: bool = True, batch_grad_norm: Optional[float] = None,
        **kwargs,
    ) -> None:
        if is_training and self._words_metric in batch_metrics:
            self._process_words = float(batch_metrics[self._words_metric])

    @overrides
    def on_epoch(
        self, trainer, metrics: Dict[str, Any], epoch: int, is_primary: bool = True, **kwargs,
    ) -> None:
        epoch_clock = self._epoch_so_far()
        for key in self._totals:
            self._totals[key] += epoch_clock[key]
        self._carried = {"seconds": 0.0, "words": 0.0}
        self._epoch_started = time.monotonic()
        self._process_words = 0.0
        metrics.update({
            "clock_epoch_seconds": epoch_clock["seconds"],
            "clock_epoch_words": epoch_clock["words"],
            "clock_total_seconds": self._totals["seconds"],
            "clock_total_words": self._totals["words"],
        })
        if is_primary and self.serialization_dir:
            # AllenNLP has just written this file with the same dict, before the callbacks ran.
            path = os.path.join(self.serialization_dir, f"metrics_epoch_{epoch}.json")
            atomic_write(path, json.dumps(metrics, indent=2))
        logger.info(
            "Epoch %d: %.0f words in %.0f s (%.0f words/s); run so far: %.0f words in %.0f s.", epoch,
            epoch_clock["words"], epoch_clock["seconds"], epoch_clock["words"] / max(epoch_clock["seconds"], 1e-9),
            self._totals["words"], self._totals["seconds"],
        )

    @overrides
    def state_dict(self) -> Dict[str, Any]:
        epoch_clock = self._epoch_so_far()
        return {"totals": dict(self._totals), "epoch": epoch_clock}

    @overrides
    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        if not state_dict:  # a checkpoint written before this callback was in the config
            return
        self._totals = dict(state_dict["totals"])
        self._carried = dict(state_dict["epoch"])
