"""The network a template describes, validated, as one frozen `Network`.

Two template formats parse to it:

- the general one (`layers`, `activations`, `loss`, `train_biases`, `examples`, `weights` or `init`, `biases`),
  see docs/network-templates.md;
- the classic one (`[inputs] i1 i2`, `[targets] t1 t2`, `[weights] w1..w8`, optional `[biases] b1 b2`, as
  templates/era-s6.toml and mazur.toml): the 2-2-2 sigmoid network with half-squared-error, one example and
  fixed biases, with `classic = True` (it keeps today's names, network/names.py).

Every problem of a template is reported at once, in one TemplateError line `source: problem; problem; ...`,
each naming its key; an unknown key or value close to a valid one says "did you mean".
"""

from __future__ import annotations

import difflib
import math
import random
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from network.errors import TemplateError
from network.tomlfile import read_toml
from network.columns import Column, lr_columns, sheet_width, width_problem
from network.names import Kind, Quantity, name

MAX_ITERATIONS = 100_000
MAX_LAYERS = 4  # after the inputs
MAX_NEURONS = 8  # in any layer, the inputs included
MAX_EXAMPLES = 8
# One sheet per learning rate; the Summary's charts show every rate as a series (a chart holds at most 255), and
# the Network sheet's picker lists them all in one formula (at most 8,192 characters): 100 keeps far from both.
MAX_LEARNING_RATES = 100
# Formula cells of all the LR sheets together: about what a spreadsheet app still opens (Excel and LibreOffice
# take minutes and gigabytes from 10 million on); the default template at 100,000 iterations holds 17.4 million.
MAX_FORMULA_CELLS = 20_000_000
ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear", "softmax")
LOSSES = ("half-squared-error", "cross-entropy")
DISTRIBUTION_TOLERANCE = 1e-9  # how far a softmax example's targets may sum from 1

_GENERAL_KEYS = {"name", "description", "iterations", "learning_rates", "layers", "activations", "loss",
                 "train_biases", "examples", "weights", "init", "biases"}
_CLASSIC_SECTIONS = {"inputs": ("i1", "i2"), "targets": ("t1", "t2"), "weights": tuple(f"w{k}" for k in range(1, 9))}
_CLASSIC_OPTIONAL = {"biases": ("b1", "b2")}
_CLASSIC_KEYS = {"name", "description", "iterations", "learning_rates"} | set(_CLASSIC_SECTIONS) | set(_CLASSIC_OPTIONAL)
_GENERAL_ONLY = {"layers", "activations", "loss", "train_biases", "examples", "init"}
DEFAULT_TEMPLATE = "era-s6"  # the template of `generate` without --template


@dataclass(frozen=True)
class Example:
    """One training example: inputs x_1.. and targets t_1.."""

    inputs: tuple[float, ...]
    targets: tuple[float, ...]


@dataclass(frozen=True)
class Network:
    """A small fully connected network, its examples and its training schedule.

    weights[l-1][j-1][k-1] is w_l_j_k (layer l, to neuron j, from neuron k of layer l-1; layer 0 = the inputs);
    biases[l-1][j-1] is b_l_j (0 where the template gives none). Training is full-batch gradient descent on
    E_total, the mean of the examples' losses, once per learning rate.
    """

    name: str
    layers: tuple[int, ...]  # neurons per layer, the inputs first
    activations: tuple[str, ...]  # one per layer after the inputs
    loss: str  # "half-squared-error" or "cross-entropy"
    train_biases: bool
    examples: tuple[Example, ...]
    weights: tuple[tuple[tuple[float, ...], ...], ...]
    biases: tuple[tuple[float, ...], ...]
    iterations: int
    learning_rates: tuple[float, ...]
    description: str = ""
    biases_given: bool = False  # the template gave biases (a network without them and with fixed biases shows none)
    classic: bool = False  # written with the classic keys: today's names and LR-sheet columns

    def name_of(self, q: Quantity) -> str:
        """The quantity's text in this network's vocabulary (network/names.py)."""
        return name(q, classic=self.classic, examples=len(self.examples))

    def constant(self, q: Quantity) -> float:
        """The template's value of an input, target, initial weight or bias (a Network-sheet constant)."""
        return {
            Kind.INPUT: lambda: self.examples[q.example - 1].inputs[q.neuron - 1],
            Kind.TARGET: lambda: self.examples[q.example - 1].targets[q.neuron - 1],
            Kind.WEIGHT: lambda: self.weights[q.layer - 1][q.neuron - 1][q.source - 1],
            Kind.BIAS: lambda: self.biases[q.layer - 1][q.neuron - 1],
        }[q.kind]()

    def columns(self) -> tuple[Column, ...]:
        """The LR sheet's columns, in order (network/columns.py)."""
        return lr_columns(self)

    def with_options(
        self, iterations: int | None = None, learning_rates: tuple[float, ...] | None = None
    ) -> Network:
        """The same network with command-line overrides applied and validated."""
        net = self
        if iterations is not None:
            net = replace(net, iterations=_iterations(iterations, "--iterations"))
        if learning_rates:
            rates = tuple(_learning_rate(r, "--lr") for r in learning_rates)
            net = replace(net, learning_rates=_unique_rates(rates, "--lr"))
        _check_size(net)
        return net

    def formula_cells(self) -> int:
        """How many formula cells the LR sheets hold: rates × rows (iterations 0..N) × computed columns."""
        return len(self.learning_rates) * (self.iterations + 1) * (len(self.columns()) - 1)


def builtin_networks() -> list[str]:
    """The names of the shipped network templates: templates/networks/*.toml and the classic templates/*.toml."""
    return sorted(_builtin_files())


def classic_templates() -> dict[str, str]:
    """The shipped classic templates (templates/*.toml, era-s6 and mazur): name -> file in the package."""
    files = resources.files("templates")
    return {p.name[:-5]: p.name for p in files.iterdir() if p.name.endswith(".toml") and not p.name.startswith("cnn-")}


def _builtin_files() -> dict[str, str]:
    files = resources.files("templates")
    general = {p.name[:-5]: f"networks/{p.name}" for p in files.joinpath("networks").iterdir() if p.name.endswith(".toml")}
    return classic_templates() | general


def load_network(name_or_path: str | Path = DEFAULT_TEMPLATE, classic: bool | None = None) -> Network:
    """A shipped template by name (`xor`, `mazur`) or a TOML file by path, parsed and validated
    (`classic` as in parse_network; with True only the classic built-in names are offered)."""
    builtin = classic_templates() if classic else _builtin_files()
    data, source = read_toml(str(name_or_path), builtin, "template", TemplateError, "--template")
    return parse_network(data, source, classic)


def parse_network(data: dict, source: str = "template", classic: bool | None = None) -> Network:
    """Validate the parsed TOML of a template; raises TemplateError naming every problem.

    classic: None reads the format from the keys (is_classic_template), True reads the classic format whatever
    the keys. This is the one place that decides what a template is.
    """
    problems: list[str] = []
    is_classic = classic if classic is not None else is_classic_template(data)
    suggested = _unknown_keys(set(data), _CLASSIC_KEYS if is_classic else _GENERAL_KEYS, "", problems)
    fields = (_parse_classic if is_classic else _parse_general)(data, problems, suggested)
    schedule = _schedule(data, source, problems, suggested)
    if problems:
        raise TemplateError(f"{source}: {'; '.join(problems)}")
    net = Network(**schedule, **fields)
    _check_size(net, f"{source}: ")
    return net


def _check_size(net: Network, prefix: str = "") -> None:
    """Refuse a workbook no spreadsheet app could open: over MAX_FORMULA_CELLS, named with its factors."""
    cells = net.formula_cells()
    if cells > MAX_FORMULA_CELLS:
        rates, rows, columns = len(net.learning_rates), net.iterations + 1, len(net.columns()) - 1
        raise TemplateError(
            f"{prefix}the workbook would hold {cells:,} formula cells ({rates} learning rates × {rows:,} rows × "
            f"{columns:,} formula columns), more than the {MAX_FORMULA_CELLS:,} a spreadsheet app can open: "
            "use fewer iterations, learning rates, examples or neurons"
        )


def is_classic_template(data: dict) -> bool:
    """A template is general when it has a key only the general format has (`layers`, `activations`, `loss`,
    `train_biases`, `examples`, `init`) or lists its weights or biases; otherwise it is classic (`[inputs]`,
    `[targets]`, `[weights]`), and a template missing its keys is told the classic sections it lacks."""
    return not (_GENERAL_ONLY & set(data)) and not any(isinstance(data.get(k), list) for k in ("weights", "biases"))


# ---------------------------------------------------------------- the general format


def _parse_general(data: dict, problems: list[str], suggested: set[str]) -> dict:
    for key in ("layers", "activations", "examples"):
        if key not in data and key not in suggested:
            problems.append(f"missing key {key}")
    layers = _layers(data["layers"], problems) if "layers" in data else None
    activations = _activations(data["activations"], layers, problems) if "activations" in data else None
    loss = _choice(data.get("loss", "half-squared-error"), LOSSES, "loss", "loss", problems)
    train_biases = data.get("train_biases", False)
    if not isinstance(train_biases, bool):
        problems.append(f"train_biases must be true or false, got {train_biases!r}")
    examples = _examples(data["examples"], layers, problems) if "examples" in data else None
    if layers and activations and loss and examples:
        _check_loss(loss, activations[-1], layers[-1], examples, problems)
    weights = _initial_weights(data, layers, problems, suggested)
    biases = _biases(data["biases"], layers, problems) if "biases" in data else None
    if layers and examples:
        problem = width_problem(sheet_width(layers, len(examples), train_biases is True))
        if problem:
            problems.append(problem)
    if problems:
        return {}
    if biases is None:
        biases = tuple((0.0,) * n for n in layers[1:])
    return dict(layers=layers, activations=activations, loss=loss, train_biases=train_biases, examples=examples,
                weights=weights, biases=biases, biases_given="biases" in data)


def _layers(value: object, problems: list[str]) -> tuple[int, ...] | None:
    if not isinstance(value, list) or not 2 <= len(value) <= MAX_LAYERS + 1:
        problems.append(f"layers must list the inputs, then 1 to {MAX_LAYERS} layers (2 to {MAX_LAYERS + 1} whole "
                        f"numbers, e.g. [2, 2, 1]), got {value!r}")
        return None
    bad = [f"layers[{l}] must be a whole number from 1 to {MAX_NEURONS} (the neurons of "
           f"{'the inputs' if l == 0 else f'layer {l}'}), got {n!r}"
           for l, n in enumerate(value) if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_NEURONS]
    problems.extend(bad)
    if bad:
        return None
    return tuple(value)


def _activations(value: object, layers: tuple[int, ...] | None, problems: list[str]) -> tuple[str, ...] | None:
    if not isinstance(value, list) or (layers and len(value) != len(layers) - 1):
        want = f"{len(layers) - 1} names (one per layer after the inputs)" if layers else "one name per layer after the inputs"
        problems.append(f"activations must list {want}, got {value!r}")
        return None
    names = [_choice(f, ACTIVATIONS, f"activations[{i}]", "activation", problems) for i, f in enumerate(value)]
    if None in names:
        return None
    for i, f in enumerate(names[:-1]):
        if f == "softmax":
            problems.append(f"activations[{i}]: softmax only on the last layer (the outputs), not on layer {i + 1}")
    if layers and names[-1] == "softmax" and layers[-1] < 2:
        problems.append(f"activations[{len(names) - 1}]: softmax needs at least 2 outputs (over one it is always 1)")
    return tuple(names)


def _examples(value: object, layers: tuple[int, ...] | None, problems: list[str]) -> tuple[Example, ...] | None:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_EXAMPLES:
        problems.append(f"examples must list 1 to {MAX_EXAMPLES} examples ({{ inputs = [...], targets = [...] }}), "
                        f"got {len(value) if isinstance(value, list) else repr(value)}")
        return None
    examples, ok = [], True
    for i, example in enumerate(value):
        key = f"examples[{i}]"
        if not isinstance(example, dict):
            problems.append(f"{key} (e{i + 1}) must be a table {{ inputs = [...], targets = [...] }}, got {example!r}")
            ok = False
            continue
        suggested = _unknown_keys(set(example), {"inputs", "targets"}, f"{key}.", problems)
        vectors = []
        for part, size, symbol in (("inputs", layers and layers[0], "x"), ("targets", layers and layers[-1], "t")):
            if part not in example:
                if part not in suggested:
                    problems.append(f"missing key {key}.{part} (e{i + 1})")
                ok = False
                continue
            vectors.append(_vector(example[part], size, f"{key}.{part}", f"e{i + 1}",
                                   lambda n, symbol=symbol, e=i + 1: f"{symbol}_{n} of e{e}", problems))
        ok = ok and None not in vectors
        if ok:
            examples.append(Example(*vectors))
    return tuple(examples) if ok else None


def _check_loss(loss: str, output: str, n_out: int, examples: tuple[Example, ...], problems: list[str]) -> None:
    """Cross-entropy pairs with a softmax output layer (targets a distribution) or one sigmoid output (a target in [0, 1])."""
    if loss != "cross-entropy":
        return
    if output == "softmax":
        for i, ex in enumerate(examples):
            if any(not 0 <= t <= 1 for t in ex.targets) or abs(sum(ex.targets) - 1) > DISTRIBUTION_TOLERANCE:
                problems.append(f"examples[{i}].targets (e{i + 1}): with softmax and cross-entropy the targets are a "
                                f"distribution (each in [0, 1], summing to 1), got {list(ex.targets)}")
    elif output == "sigmoid" and n_out == 1:
        for i, ex in enumerate(examples):
            if not 0 <= ex.targets[0] <= 1:
                problems.append(f"examples[{i}].targets (e{i + 1}): with a sigmoid output and cross-entropy the "
                                f"target is in [0, 1], got {list(ex.targets)}")
    else:
        problems.append(f'loss = "cross-entropy" needs a softmax output layer or one sigmoid output, got '
                        f"{n_out} {output} output{'s' if n_out > 1 else ''} "
                        '(use loss = "half-squared-error", or change the last activation)')


def _initial_weights(data: dict, layers, problems: list[str], suggested: set[str]):
    if "weights" in data and "init" in data:
        problems.append("give either weights or init = { seed = N }, not both")
        return None
    if "init" in data:
        return _seeded_weights(data["init"], layers, problems)
    if "weights" in data:
        return _matrices(data["weights"], layers, problems)
    if "weights" not in suggested and "init" not in suggested:
        problems.append("missing key weights (or init = { seed = N } for small random weights)")
    return None


def _seeded_weights(value: object, layers, problems: list[str]):
    """Glorot (Xavier) uniform weights, rounded to 2 decimals (docs/network-templates.md):
    w_l_j_k = round(U(−r, r), 2), r = √(6 / (n_(l−1) + n_l)), drawn by Python's random.Random(seed).uniform
    in the order layer, to neuron, from neuron."""
    if not isinstance(value, dict):
        problems.append(f"init must be a table init = {{ seed = N }}, got {value!r}")
        return None
    suggested = _unknown_keys(set(value), {"seed"}, "init.", problems)
    seed = value.get("seed")
    if "seed" not in value:
        if "seed" not in suggested:
            problems.append("missing key init.seed")
        return None
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        problems.append(f"init.seed must be a whole number ≥ 0, got {seed!r}")
        return None
    if not layers:
        return None
    rng = random.Random(seed)
    weights = []
    for n_in, n_out in zip(layers, layers[1:]):
        r = math.sqrt(6 / (n_in + n_out))
        weights.append(tuple(tuple(round(rng.uniform(-r, r), 2) for _ in range(n_in)) for _ in range(n_out)))
    return tuple(weights)


def _matrices(value: object, layers, problems: list[str]):
    """weights[l-1] is layer l's matrix: one row per neuron of layer l, one number per neuron of layer l-1."""
    if not layers:
        return None
    if not isinstance(value, list) or len(value) != len(layers) - 1:
        problems.append(f"weights must list {len(layers) - 1} matrices (one per layer after the inputs, "
                        f"each [to][from]), got {_count(value)}")
        return None
    matrices = []
    for l, matrix in enumerate(value, start=1):
        key = f"weights[{l - 1}]"
        rows, cols = layers[l], layers[l - 1]
        if not isinstance(matrix, list) or len(matrix) != rows:
            problems.append(f"{key} (layer {l}) must have {rows} row{'s' * (rows > 1)} (one per neuron of layer {l}, "
                            f"each [from]), got {_count(matrix)}")
            matrices.append(None)
            continue
        matrices.append(tuple(_vector(row, cols, f"{key}[{j}]", f"into neuron {j + 1} of layer {l}",
                                      lambda k, l=l, j=j: f"w_{l}_{j + 1}_{k}", problems)
                              for j, row in enumerate(matrix)))
    if any(m is None or None in m for m in matrices):
        return None
    return tuple(matrices)


def _biases(value: object, layers, problems: list[str]):
    if not layers:
        return None
    if not isinstance(value, list) or len(value) != len(layers) - 1:
        problems.append(f"biases must list {len(layers) - 1} lists (one per layer after the inputs), got {_count(value)}")
        return None
    vectors = tuple(_vector(v, layers[l], f"biases[{l - 1}]", f"layer {l}", lambda j, l=l: f"b_{l}_{j}", problems)
                    for l, v in enumerate(value, start=1))
    return None if None in vectors else vectors


def _vector(value: object, size: int | None, key: str, what: str, element, problems: list[str]) -> tuple[float, ...] | None:
    """A list of `size` finite numbers (any length when size is None, the layers being bad). Messages name the key,
    then in brackets `what` the list is, or the element's name in the vocabulary, element(n) for n = 1, 2, ..."""
    if not isinstance(value, list) or (size is not None and len(value) != size):
        want = f"{size} number{'s' * (size != 1)}" if size is not None else "numbers"
        problems.append(f"{key} ({what}) must be a list of {want}, got {value!r}")
        return None
    numbers = tuple(_collect(problems, _finite, v, f"{key}[{i}] ({element(i + 1)})") for i, v in enumerate(value))
    return None if None in numbers else numbers


def _count(value: object) -> str:
    return f"{len(value)}" if isinstance(value, list) else repr(value)


# ---------------------------------------------------------------- the classic format


def _parse_classic(data: dict, problems: list[str], suggested: set[str]) -> dict:
    """The classic keys as the 2-2-2 network."""
    values: dict[str, float] = {}
    for section, keys in (_CLASSIC_SECTIONS | _CLASSIC_OPTIONAL).items():
        if section not in data:
            if section not in _CLASSIC_OPTIONAL and section not in suggested:
                problems.append(f"missing section [{section}] (keys {', '.join(keys)})")
            continue
        table = data[section]
        if not isinstance(table, dict):
            problems.append(f"{section} must be a table [{section}]")
            continue
        suggested_keys = _unknown_keys(set(table), set(keys), f"{section}.", problems)
        for key in keys:
            if key in table:
                values[key] = _collect(problems, _finite, table[key], f"{section}.{key}")
            elif key not in suggested_keys:
                problems.append(f"missing key {section}.{key}")
    if problems:
        return {}
    v = values
    biases = (v["b1"], v.get("b2", 0.0)) if "b1" in v else None
    return classic_fields((v["i1"], v["i2"]), (v["t1"], v["t2"]), tuple(v[f"w{k}"] for k in range(1, 9)), biases)


def classic_network(
    inputs: tuple[float, float] = (0.0, 0.0), targets: tuple[float, float] = (0.0, 0.0),
    weights: tuple[float, ...] = (0.0,) * 8, biases: tuple[float, float] | None = (0.0, 0.0), *,
    learning_rates: tuple[float, ...] = (1.0,), iterations: int = 1, name: str = "classic",
) -> Network:
    """The classic 2-2-2 network from its quantities (classic_fields); with the defaults, its wiring and names only."""
    return Network(name=name, iterations=iterations, learning_rates=tuple(learning_rates),
                   **classic_fields(inputs, targets, weights, biases))


def classic_fields(
    inputs: tuple[float, float], targets: tuple[float, float], weights: tuple[float, ...],
    biases: tuple[float, float] | None,
) -> dict:
    """The 2-2-2 network's fields from the classic quantities: i1, i2; t1, t2; w1..w8; the fixed biases b1
    (hidden layer) and b2 (output layer), or None. The one place the classic names meet the layers:
    w1: i1→h1, w2: i2→h1, w3: i1→h2, w4: i2→h2, w5: a_h1→o1, w6: a_h2→o1, w7: a_h1→o2, w8: a_h2→o2."""
    w1, w2, w3, w4, w5, w6, w7, w8 = weights
    b1, b2 = biases if biases is not None else (0.0, 0.0)
    return dict(
        layers=(2, 2, 2),
        activations=("sigmoid", "sigmoid"),
        loss="half-squared-error",
        train_biases=False,
        examples=(Example(tuple(inputs), tuple(targets)),),
        weights=(((w1, w2), (w3, w4)), ((w5, w6), (w7, w8))),
        biases=((b1, b1), (b2, b2)),
        biases_given=biases is not None,
        classic=True,
    )


# ---------------------------------------------------------------- both formats


def _schedule(data: dict, source: str, problems: list[str], suggested: set[str]) -> dict:
    """name, description, iterations and learning_rates, the same in both formats."""
    for key in ("iterations", "learning_rates"):
        if key not in data and key not in suggested:
            problems.append(f"missing key {key}")
    rates = data.get("learning_rates")
    if rates is not None:
        if not isinstance(rates, list) or not rates:
            problems.append("learning_rates must be a non-empty list of numbers, e.g. [0.5]")
            rates = None
        else:
            rates = tuple(_collect(problems, _learning_rate, r, "learning_rates") for r in rates)
            if None not in rates:
                _collect(problems, _unique_rates, rates, "learning_rates")
    iterations = _collect(problems, _iterations, data["iterations"], "iterations") if "iterations" in data else None
    net_name = data.get("name", Path(source).stem)
    if not isinstance(net_name, str) or not net_name.strip():
        problems.append("name must be a non-empty string")
    return dict(name=net_name, description=str(data.get("description", "")), iterations=iterations,
                learning_rates=rates)


def _unknown_keys(found: set[str], allowed: set[str], prefix: str, problems: list[str]) -> set[str]:
    """Report each unknown key (with "did you mean" when one is close); returns the keys suggested."""
    suggested = set()
    for key in sorted(found - allowed):
        close = _close_match(key, allowed - found) or _close_match(key, allowed)  # a missing key first
        if close:
            hint = f"did you mean {prefix}{close[0]}?" if prefix else f"did you mean {close[0]!r}?"
        else:
            hint = f"expected {', '.join(sorted(allowed))}" if prefix else "the allowed keys are listed in the README"
        problems.append(f"unknown key {prefix}{key} ({hint})" if prefix else f"unknown key {key!r} ({hint})")
        suggested.update(close)
    return suggested


def _choice(value: object, allowed: tuple[str, ...], key: str, noun: str, problems: list[str]) -> str | None:
    """One of `allowed`, or None with a message (and "did you mean" when one is close)."""
    if isinstance(value, str) and value in allowed:
        return value
    close = _close_match(value, set(allowed)) if isinstance(value, str) else []
    hint = f"did you mean {close[0]!r}?" if close else f"one of {', '.join(allowed)}"
    problems.append(f"{key}: unknown {noun} {value!r} ({hint})")
    return None


def _close_match(key: str, candidates: set[str]) -> list[str]:
    """[the candidate closest to `key`, ignoring case], or [] when none is close (difflib's 0.6)."""
    by_lower = {c.lower(): c for c in sorted(candidates)}
    return [by_lower[m] for m in difflib.get_close_matches(key.lower(), list(by_lower), n=1, cutoff=0.6)]


def _collect(problems: list[str], check, value: object, key: str):
    """check(value, key), or None with its message added to `problems`."""
    try:
        return check(value, key)
    except TemplateError as exc:
        problems.append(str(exc))
        return None


def _finite(value: object, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TemplateError(f"{key} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise TemplateError(f"{key} must be finite, got {value!r}")
    return float(value)


def _learning_rate(value: object, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TemplateError(f"{key}: each learning rate must be a finite number, got {value!r}")
    if value <= 0:
        raise TemplateError(f"{key}: learning rate must be positive, got {value!r}")
    return float(value)


def _unique_rates(rates: tuple[float, ...], key: str) -> tuple[float, ...]:
    if len(rates) > MAX_LEARNING_RATES:
        raise TemplateError(f"{key}: at most {MAX_LEARNING_RATES} learning rates (one sheet each), got {len(rates):,}")
    if len(set(rates)) != len(rates):
        raise TemplateError(f"{key}: learning rates must be distinct (one sheet each), got {list(rates)}")
    return rates


def _iterations(value: object, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TemplateError(f"{key} must be a whole number, got {value!r}")
    if not 1 <= value <= MAX_ITERATIONS:
        raise TemplateError(f"{key} must be between 1 and {MAX_ITERATIONS:,}, got {value}")
    return value
