"""The MNIST CNN of backprop-sheet: configuration (config), data (data), model (model), training (training),
run folder (runfolder), the trained model on one digit (forward) and the workbook sheets (export, forward_sheet).
Only data, model, training and forward need torch.

    >>> import cnn
    >>> run = cnn.train("8k", "data", dry_run=True)      # a Run; cnn.load_run("runs/8k-seed1") reads one back
    >>> cnn.predict(run.model_path.parent, pixels)       # the 10 probabilities for a 28 × 28 image of raw 0–255 intensities
"""

from __future__ import annotations

from cnn.api import Run, load_run, train

__all__ = ["Run", "load_run", "predict", "train"]


def predict(run_dir, pixels):
    """The 10 probabilities (digits 0–9) the model of run folder `run_dir` gives `pixels`, a 28 × 28 array of raw
    intensities 0–255, computed by PyTorch (eval mode, float64). See cnn.forward.predict."""
    from cnn.forward import predict as _predict  # torch loads only when asked

    return _predict(run_dir, pixels)
