"""
A trainer callback for the multi-node test (`allennlp train --include-package
tests.instance_log_callback`): every training instance of the first epoch, written as one line
per instance to `log_dir/rank{R}.txt` (R: the worker's global rank), so that a test can check
that the workers of all nodes together read each instance exactly once.
"""
import os
from typing import Any, List

import torch
from allennlp.training.callbacks import TrainerCallback


def _tensors(value: Any) -> List[torch.Tensor]:
    """The tensors of a (nested) batch dict, in key order."""
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, dict):
        return [tensor for key in sorted(value) for tensor in _tensors(value[key])]
    return []


def instance_lines(batch: Any) -> List[str]:
    """One line per instance of `batch`: its non-padding ids, tensor by tensor."""
    tensors = [tensor for tensor in _tensors(batch) if tensor.dim() > 0]
    rows = tensors[0].shape[0]
    return [" | ".join(" ".join(str(int(x)) for x in tensor[row].flatten() if int(x) != 0) for tensor in tensors)
            for row in range(rows)]


@TrainerCallback.register("test_instance_log")
class InstanceLog(TrainerCallback):
    """
    Appends each training instance of epoch 0 to `log_dir/rank{R}.txt`.

    Registered as a `TrainerCallback` with name "test_instance_log".
    """

    def __init__(self, serialization_dir: str, log_dir: str) -> None:
        super().__init__(serialization_dir)
        self._log_dir = log_dir

    def on_batch(self, trainer, batch_inputs, batch_outputs, batch_metrics, epoch, batch_number,
                 is_training, is_primary=True, batch_grad_norm=None, **kwargs) -> None:
        if not is_training or epoch != 0:
            return
        distributed = torch.distributed.is_available() and torch.distributed.is_initialized()
        rank = torch.distributed.get_rank() if distributed else 0
        os.makedirs(self._log_dir, exist_ok=True)
        with open(os.path.join(self._log_dir, f"rank{rank}.txt"), "a", encoding="utf-8") as log:
            for batch in batch_inputs:
                log.writelines(line + "\n" for line in instance_lines(batch))
