"""The MNIST CNN of backprop-sheet: configuration (config), data (data), model (model), training (training),
run folder (runfolder) and the workbook sheets (export). Only data, model and training need torch.

    >>> import cnn
    >>> run = cnn.train("8k", "data", dry_run=True)      # a Run; cnn.load_run("runs/8k-seed1") reads one back
"""

from cnn.api import Run, load_run, train

__all__ = ["Run", "load_run", "train"]
