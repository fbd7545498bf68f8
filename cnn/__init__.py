"""The MNIST CNN of backprop-sheet: configuration (config), data (data), model (model), training (train),
run folder (runfolder) and the workbook sheets (export). Only data, model and train need torch."""
