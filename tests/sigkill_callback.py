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
    `--recover` run, which must use the same config, trains to the end. With `at_end`, the
    kill comes at the end of training instead, just before AllenNLP's final test evaluation
    and `metrics.json`.

    Registered as a `TrainerCallback` with name "test_sigkill_once".
    """

    def __init__(
        self, serialization_dir: str, marker_file: str, epoch: int = 1, batch: int = 10, at_end: bool = False
    ) -> None:
        super().__init__(serialization_dir)
        self._marker_file = marker_file
        self._epoch = epoch
        self._batch = batch
        self._at_end = at_end

    def _kill(self, where: str) -> None:
        with open(self._marker_file, "w") as marker:
            marker.write(f"killed at {where}\n")
        os.kill(os.getpid(), signal.SIGKILL)

    def on_end(self, trainer, metrics=None, epoch=None, is_primary=True, **kwargs) -> None:
        if self._at_end and not os.path.exists(self._marker_file):
            self._kill("the end of training")

    def on_batch(self, trainer, batch_inputs, batch_outputs, batch_metrics, epoch, batch_number,
                 is_training, is_primary=True, batch_grad_norm=None, **kwargs) -> None:
        if (
            not self._at_end and is_training and epoch == self._epoch and batch_number == self._batch
            and not os.path.exists(self._marker_file)
        ):
            self._kill(f"epoch {epoch}, batch {batch_number}")
