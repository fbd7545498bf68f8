"""The classic template as the sheets name it: a thin view of the 2-2-2 `network.Network`.

network/description.py parses and validates every template; a classic one (`[inputs]`, `[targets]`,
`[weights]`, optional `[biases]`) is the 2-2-2 sigmoid network with `classic=True`. NetworkSpec reads that
network under the classic names, i1, i2, t1, t2, w1..w8, b1, b2, for the classic sheets' writers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from network import Network
from network.description import classic_templates, load_network, parse_network

DEFAULT_TEMPLATE = "era-s6"


@dataclass(frozen=True)
class NetworkSpec:
    """Inputs, targets, initial weights, optional fixed biases, and the training schedule of a classic template."""

    net: Network  # classic: the 2-2-2 network

    @property
    def name(self) -> str:
        return self.net.name

    @property
    def description(self) -> str:
        return self.net.description

    @property
    def iterations(self) -> int:
        return self.net.iterations

    @property
    def learning_rates(self) -> tuple[float, ...]:
        return self.net.learning_rates

    @property
    def i1(self) -> float:
        return self.net.examples[0].inputs[0]

    @property
    def i2(self) -> float:
        return self.net.examples[0].inputs[1]

    @property
    def t1(self) -> float:
        return self.net.examples[0].targets[0]

    @property
    def t2(self) -> float:
        return self.net.examples[0].targets[1]

    @property
    def weights(self) -> tuple[float, ...]:
        """w1..w8: layer by layer, to-neuron by to-neuron (network/description.py, classic_fields)."""
        return tuple(w for layer in self.net.weights for row in layer for w in row)

    @property
    def b1(self) -> float | None:
        return self.net.biases[0][0] if self.has_biases else None

    @property
    def b2(self) -> float | None:
        return self.net.biases[1][0] if self.has_biases else None

    @property
    def has_biases(self) -> bool:
        return self.net.biases_given

    def with_options(
        self, iterations: int | None = None, learning_rates: tuple[float, ...] | None = None
    ) -> NetworkSpec:
        """The same spec with command-line overrides applied and validated."""
        return NetworkSpec(self.net.with_options(iterations, learning_rates))


def builtin_templates() -> list[str]:
    """Names of the classic network templates shipped with the package."""
    return sorted(classic_templates())


def load_template(name_or_path: str | Path = DEFAULT_TEMPLATE) -> NetworkSpec:
    """Load a built-in classic template by name, or a user's TOML file by path, and validate it."""
    return NetworkSpec(load_network(name_or_path, classic=True))


def parse_template(data: dict, source: str = "template") -> NetworkSpec:
    """Validate the parsed TOML of a classic template; every problem names the key, and all are reported at once.

    Raises TemplateError with one line: `source: problem; problem; ...`, where an unknown key close
    to a valid one says "did you mean ...".
    """
    return NetworkSpec(parse_network(data, source, classic=True))
