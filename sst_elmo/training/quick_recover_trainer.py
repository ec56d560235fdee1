import logging
from typing import Dict, Optional

from allennlp.training.gradient_descent_trainer import GradientDescentTrainer
from allennlp.training.trainer import Trainer, TrainerCheckpoint
from overrides import overrides

logger = logging.getLogger(__name__)

# The key this trainer adds to the training state of its checkpoints.
TOTAL_BATCHES_KEY = "total_batches_completed"


@Trainer.register("quick_recover", constructor="from_partial_objects")
class QuickRecoverTrainer(GradientDescentTrainer):
    """
    AllenNLP's `gradient_descent` trainer, except that `allennlp train --recover` does not read
    the epochs that the checkpoint has finished again.

    AllenNLP's trainer, recovering a run in epoch N, first reads every batch of epochs 0 to
    N - 1 without training on them, so that the data loader's random state is where an
    uninterrupted run would have left it. For a pre-training corpus that costs as long as
    reading the corpus N times: about 14 minutes per finished epoch of IMDB's 20M words on a
    2-core CPU. This trainer skips those epochs outright; only the finished batches of the
    current epoch are still read again (that is how AllenNLP finds its place in the epoch). The
    price is that the remaining epochs shuffle their batches differently from an uninterrupted
    run: another random order of the same data. So the batches read again in the current epoch
    are not quite those trained before the interruption: with a lazy data loader
    (`max_instances_in_memory`) they come from the same chunks of the file, but within the last
    of those chunks other sentences are skipped (and others trained twice) in that epoch.

    The trainer's batch counter, which AllenNLP rebuilds while reading the finished epochs
    again, is saved in this trainer's checkpoints instead (`total_batches_completed`) and
    restored from them. Learning-rate and momentum schedulers and moving averages step by that
    counter, so a checkpoint without it (written by AllenNLP's own trainer) is recovered the
    slow way when any of them is configured; otherwise the counter, which then only numbers the
    TensorBoard steps, restarts from the current epoch's batches and a warning says so.

    Registered as a `Trainer` with name "quick_recover"; its parameters are those of
    `gradient_descent`.
    """

    _skip_finished_epochs = False

    @overrides
    def get_checkpoint_state(self) -> Optional[TrainerCheckpoint]:
        state = super().get_checkpoint_state()
        if state is not None:
            state.trainer_state[TOTAL_BATCHES_KEY] = self._total_batches_completed
        return state

    @overrides
    def _maybe_restore_checkpoint(self) -> None:
        super()._maybe_restore_checkpoint()
        self._skip_finished_epochs = False
        if self._checkpointer is None or self._start_after_epochs_completed == 0:
            return
        # The base class does not keep the training state it restored from: read it again
        # (once per recovery, a second or two).
        state = self._checkpointer.load_checkpoint()
        total: Optional[int] = None if state is None else state.trainer_state.get(TOTAL_BATCHES_KEY)
        if total is None:
            stepped = [self._learning_rate_scheduler, self._momentum_scheduler, self._moving_average]
            if any(part is not None for part in stepped):
                logger.info("The checkpoint has no batch count, which the schedulers need: reading the "
                            "%d finished epochs again, as AllenNLP's own trainer does.",
                            self._start_after_epochs_completed)
                return
            logger.warning("The checkpoint has no batch count (AllenNLP's own trainer wrote it): "
                           "TensorBoard's step numbers start again from this epoch's batches.")
            total = self._start_after_batches_in_epoch_completed
        self._skip_finished_epochs = True
        # The base class counts the current epoch's finished batches again while it skips them.
        self._total_batches_completed = total - self._start_after_batches_in_epoch_completed
        logger.info("Recovering in epoch %d: the %d finished epochs are not read again.",
                    self._start_after_epochs_completed, self._start_after_epochs_completed)

    @overrides
    def _train_epoch(self, epoch: int) -> Dict[str, float]:
        if self._skip_finished_epochs and self._epochs_completed < self._start_after_epochs_completed:
            # `_try_train` moves on to the next epoch without looking at the metrics.
            return {}
        return super()._train_epoch(epoch)
