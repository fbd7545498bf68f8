"""The MNIST CNN of backprop-sheet: configuration (config), data (data), model (model), training (train),
run folder (runfolder), the trained model on one digit (forward) and the workbook sheets (export, forward_sheet).
Only data, model, train and forward need torch.

    cnn.predict(run_dir, pixels) -> the 10 probabilities of the run's model for a 28 × 28 image of raw 0–255 intensities
"""

from __future__ import annotations


def predict(run_dir, pixels):
    """The 10 probabilities (digits 0–9) the model of run folder `run_dir` gives `pixels`, a 28 × 28 array of raw
    intensities 0–255, computed by PyTorch (eval mode, float64). See cnn.forward.predict."""
    from cnn.forward import predict as _predict  # torch loads only when asked

    return _predict(run_dir, pixels)
