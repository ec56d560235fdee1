import glob
import logging
import os
import shutil
from typing import Any, Optional, Set, Tuple

import torch
from allennlp.training.checkpointer import Checkpointer
from allennlp.training.trainer import Trainer, TrainerCheckpoint
from overrides import overrides

from sst_elmo.common.file_utils import PARTIAL_SUFFIX, atomic_file

logger = logging.getLogger(__name__)

def atomic_torch_save(value: Any, path: str) -> None:
    """`torch.save(value, path)` through a synced temporary file and `os.replace`: all or nothing."""
    with atomic_file(path, sync=True) as out:
        torch.save(value, out)


@Checkpointer.register("atomic")
class AtomicCheckpointer(Checkpointer):
    """
    AllenNLP's default `Checkpointer`, made safe against a kill at any moment, so that
    `allennlp train --recover` always finds a complete checkpoint.

    The default writes `model_state_e*_b*.th` and then `training_state_e*_b*.th` with
    `torch.save` straight to their final names: a kill mid-write leaves a truncated file that
    `--recover` then fails to load (and a model state without its training state is taken
    for a checkpoint). Here

    - each file is written to a temporary `*.partial` file, synced, then renamed with
      `os.replace`, so a file under a checkpoint name is always complete;
    - the training state is written first and a checkpoint counts only once both files
      exist; `*.partial` leftovers of a killed run are removed;
    - on loading an end-of-epoch checkpoint whose epoch is the best so far, `best.th` is
      restored from it: AllenNLP records the best weights file only after the checkpoint
      of that epoch is written, so a run killed in between (or resumed after its first
      epoch) would otherwise end with the wrong best weights.

    Registered as a `Checkpointer` with name "atomic".

    # Parameters

    Those of AllenNLP's `Checkpointer` (`save_completed_epochs`, `save_every_num_seconds`,
    `save_every_num_batches`, `keep_most_recent_by_count`, `keep_most_recent_by_age`).
    """

    def __init__(self, serialization_dir: str, **kwargs) -> None:
        super().__init__(serialization_dir, **kwargs)
        if self._is_primary:
            for leftover in glob.glob(os.path.join(self._serialization_dir, "*" + PARTIAL_SUFFIX)):
                logger.info("Removing %s, left by a killed run.", leftover)
                os.remove(leftover)

    @overrides
    def save_checkpoint(self, trainer: Trainer) -> None:
        if self._serialization_dir is None:
            return
        state = trainer.get_checkpoint_state()
        if state is None:  # a non-primary worker in distributed training
            return
        point = (state.trainer_state["epochs_completed"], state.trainer_state["batches_in_epoch_completed"])
        # The training state first: a model state file marks a complete checkpoint.
        training_state_path = self._training_state_path(*point)
        if not os.path.isfile(training_state_path):
            atomic_torch_save(state.trainer_state, training_state_path)
        model_state_path = self._model_state_path(*point)
        if not os.path.isfile(model_state_path):
            atomic_torch_save(state.model_state, model_state_path)
        # The base class then only prunes old checkpoints (both files exist, so it saves nothing).
        super().save_checkpoint(_StateOnlyTrainer(state))

    @overrides
    def _find_all_checkpoints(self) -> Set[Tuple[int, int]]:
        return {
            point
            for point in super()._find_all_checkpoints()
            if os.path.isfile(self._training_state_path(*point))
        }

    @overrides
    def load_checkpoint(self) -> Optional[TrainerCheckpoint]:
        checkpoint = super().load_checkpoint()
        if checkpoint is None or not self._is_primary or self.state_is_sharded:
            return checkpoint
        training_state = checkpoint.trainer_state
        tracker = training_state.get("metric_tracker") or {}
        epochs_completed = training_state["epochs_completed"]
        if (
            training_state["batches_in_epoch_completed"] == 0
            and tracker.get("is_best_so_far")
            and tracker.get("best_epoch") == epochs_completed - 1
        ):
            best = os.path.join(self._serialization_dir, "best.th")
            model_state_path = self._model_state_path(epochs_completed, 0)
            with atomic_file(best) as out, open(model_state_path, "rb") as source:
                shutil.copyfileobj(source, out)
            training_state["best_model_filename"] = best
        return checkpoint


class _StateOnlyTrainer:
    """Stands in for the trainer in the base class's `save_checkpoint`, which then only prunes."""

    def __init__(self, state: TrainerCheckpoint) -> None:
        self._state = state

    def get_checkpoint_state(self) -> TrainerCheckpoint:
        return self._state
