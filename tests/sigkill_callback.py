"""
A trainer callback for the resume test (`allennlp train --include-package tests.sigkill_callback`):
the training process SIGKILLs itself mid-epoch, once, like a machine going down.
"""
import os
import signal

from allennlp.training.callbacks import TrainerCallback


@TrainerCallback.register("test_sigkill_once")
class SigkillOnce(TrainerCallback):
    """
    Sends SIGKILL to the training process after training batch `batch` of epoch `epoch`,
    unless `marker_file` exists (it is created just before the kill), so that the
    `--recover` run, which must use the same config, trains to the end.

    Registered as a `TrainerCallback` with name "test_sigkill_once".
    """

    def __init__(self, serialization_dir: str, marker_file: str, epoch: int = 1, batch: int = 10) -> None:
        super().__init__(serialization_dir)
        self._marker_file = marker_file
        self._epoch = epoch
        self._batch = batch

    def on_batch(self, trainer, batch_inputs, batch_outputs, batch_metrics, epoch, batch_number,
                 is_training, is_primary=True, batch_grad_norm=None, **kwargs) -> None:
        if is_training and epoch == self._epoch and batch_number == self._batch and not os.path.exists(
            self._marker_file
        ):
            with open(self._marker_file, "w") as marker:
                marker.write(f"killed at epoch {epoch}, batch {batch_number}\n")
            os.kill(os.getpid(), signal.SIGKILL)
