"""Any small fully connected network, described once: the bottom layer of backprop-sheet.

    >>> import network
    >>> net = network.load_network("xor")
    >>> [c.header for c in net.columns()][:3]
    ['iteration', 'z_1_1[e1]', 'a_1_1[e1]']
    >>> first = next(network.iteration_rows(net))     # (n_learning_rates, n_columns)

- network.description: `Network` (and `Example`), parsed and validated from a template's TOML
  (`parse_network`, `load_network`), general or classic;
- network.names: THE NAMES (`Kind`, `Quantity`, `name`, `parse`);
- network.columns: the LR sheet's columns as data (`Column`, `Dep`, `At`, `lr_columns`, `MAX_COLUMNS`);
- network.reference: the NumPy reference and the one training loop (`iteration_rows`, `trajectory`).

- network.errors: the project's one exception hierarchy (excelgen.errors re-exports it).

It imports nothing from excelgen, verify or cnn: it is the bottom layer.
"""

from network.columns import MAX_COLUMNS, At, Column, Dep, lr_columns, sheet_width, width_problem
from network.description import Example, Network, builtin_networks, load_network, parse_network
from network.names import Kind, Quantity, name, parse
from network.reference import iteration_rows, trajectory

__all__ = [
    "MAX_COLUMNS", "At", "Column", "Dep", "Example", "Kind", "Network", "Quantity", "builtin_networks",
    "iteration_rows", "load_network", "lr_columns", "name", "parse", "parse_network", "sheet_width",
    "trajectory", "width_problem",
]
