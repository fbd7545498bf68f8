"""The formula text of every LR-sheet column, derived from network.columns, for any network.

Each formula follows network/reference.py operation by operation (same operands, same order),
so a spreadsheet engine recomputes the saved values to the last bit or two:

    z_2_1[e1]            =C5*in_x_1_e1+D5*in_x_2_e1+bias_b_2_1            Σ_k w·a + b, left to right
    a_2_1[e1]            =1/(1+EXP(-E5))  =TANH(E5)  =MAX(0,E5)  =E5      the activation
    a_3_2[e1] (softmax)  =EXP(F5-MAX(E5,F5))/(EXP(E5-MAX(E5,F5))+EXP(F5-MAX(E5,F5)))
    δ (output)           =G5-tgt_t_1_e1 (cross-entropy)   =(G5-tgt_t_1_e1)*G5*(1-G5) (sigmoid, ½ squared error)
    δ (hidden)           =(H5*X5+I5*Y5)*E5*(1-E5)                          (Σ_k δ_k·w_kj)·f'(z)
    tanh's f'(z)         (4/(EXP(D5)+EXP(-D5))^2)                           1 − a², computed from z
    ∂E_total/∂w          =(J5*E5+K5*M5)/2                                   mean over the examples of δ·a
    w (row k+1)          =X5-$B$2*P5                                        w − η·∂E_total/∂w

A quantity with a column of its own is read from that cell; one without is written out in place. So the
classic network, whose sheet has no δ columns but ∂E_total/∂a_h1, E1 and E2, gets today's formulas:

    ∂E_total/∂a_h1       =(O5-tgt_t1)*O5*(1-O5)*F5+(Q5-tgt_t2)*Q5*(1-Q5)*H5          Σ_k δ_o_k·w, δ in place
    ∂E_total/∂w1         =U5*K5*(1-K5)*in_i1                                         δ_h1·i1, δ_h1 in place
    E_total              =R5+S5                                                      E1 + E2

Row numbers are the placeholders {r} (this row) and {p} (the row above) of excelgen.rowstream.
"""

from __future__ import annotations

from network import Column, Kind, Network, Quantity
from network.names import name

from network import layout
from network.layout import column_letter, constant_name, fixed_bias_name  # the names verify reads too
from excelgen.rowstream import PREV, ROW


def row_formulas(net: Network, first_row: bool) -> list[str | None]:
    """One formula template per column (None for the iteration number), for iteration 0 or for a later row."""
    columns = net.columns()
    writer = _Writer(net, columns)
    return [writer.formula(c, first_row) for c in columns]


class _Writer:
    def __init__(self, net: Network, columns: tuple[Column, ...]) -> None:
        self.net = net
        self.examples = len(net.examples)
        self.letters = {c.header: column_letter(i + 1) for i, c in enumerate(columns)}
        self.L = len(net.layers) - 1

    # --- how a quantity is read: a cell of this row, or a Network-sheet constant
    def _text(self, q: Quantity) -> str:
        return name(q, classic=self.net.classic, examples=self.examples)

    def has(self, q: Quantity) -> bool:
        """Whether the sheet has a column for q."""
        return self._text(q) in self.letters

    def cell(self, q: Quantity, row: str = ROW) -> str:
        return f"{self.letters[self._text(q)]}{row}"

    def constant(self, q: Quantity) -> str:
        return constant_name(q, self.examples, self.net.classic)

    def a(self, l: int, k: int, e: int) -> str:
        """a_l_k of example e; layer 0 is the input, a Network-sheet constant."""
        if l == 0:
            return self.constant(Quantity(Kind.INPUT, 0, k, example=e))
        return self.cell(Quantity(Kind.A, l, k, example=e))

    def t(self, j: int, e: int) -> str:
        return self.constant(Quantity(Kind.TARGET, neuron=j, example=e))

    def w(self, l: int, j: int, k: int) -> str:
        return self.cell(Quantity(Kind.WEIGHT, l, j, k))

    def bias(self, l: int, j: int) -> str:
        if self.net.train_biases:
            return "+" + self.cell(Quantity(Kind.BIAS, l, j))
        return "+" + fixed_bias_name(l, j, self.net.classic) if self.net.biases_given else ""

    def z(self, l: int, j: int, e: int) -> str:
        return self.cell(Quantity(Kind.Z, l, j, example=e))

    def delta(self, l: int, j: int, e: int) -> str:
        """δ_l_j: its cell, or written out in place where the sheet has no δ column (the classic network)."""
        q = Quantity(Kind.DELTA, l, j, example=e)
        return self.cell(q) if self.has(q) else _factor(self._delta(q))

    def dE_da(self, l: int, j: int, e: int) -> str:
        """∂E/∂a_l_j = Σ_k δ_(l+1)_k · w_(l+1)_k_j: its cell (the classic ∂E_total/∂a_h1), else in parentheses."""
        q = Quantity(Kind.DE_DA, l, j, example=e)
        return self.cell(q) if self.has(q) else f"({self._dE_da(q)})"

    def width(self, l: int) -> int:
        return self.net.layers[l]

    # --- the formulas
    def formula(self, c: Column, first_row: bool) -> str | None:
        q, kind = c.quantity, c.kind
        if kind is Kind.ITERATION:
            return None
        if kind in (Kind.WEIGHT, Kind.BIAS):
            if first_row:
                return "=" + self.constant(q)
            gradient = Quantity(Kind.GRAD_WEIGHT if kind is Kind.WEIGHT else Kind.GRAD_BIAS, q.layer, q.neuron, q.source)
            return f"={self.cell(q, PREV)}-{layout.cell(*layout.ETA_CELL, absolute=True)}*{self.cell(gradient, PREV)}"
        return "=" + {
            Kind.Z: self._z, Kind.A: self._a, Kind.ERROR: self._error, Kind.LOSS: self._loss,
            Kind.E_TOTAL: self._e_total, Kind.DE_DA: self._dE_da, Kind.DELTA: self._delta,
            Kind.GRAD_WEIGHT: self._grad_weight, Kind.GRAD_BIAS: self._grad_bias,
        }[kind](q)

    def _z(self, q: Quantity) -> str:
        # z_l_j = Σ_k w_l_j_k · a_(l-1)_k + b_l_j
        l, j, e = q.layer, q.neuron, q.example
        terms = "+".join(f"{self.w(l, j, k)}*{self.a(l - 1, k, e)}" for k in range(1, self.width(l - 1) + 1))
        return terms + self.bias(l, j)

    def _a(self, q: Quantity) -> str:
        l, j, e = q.layer, q.neuron, q.example
        z = self.z(l, j, e)
        f = self.net.activations[l - 1]
        if f == "softmax":  # e^(z_j − max z) / Σ_k e^(z_k − max z)
            zs = [self.z(l, k, e) for k in range(1, self.width(l) + 1)]
            top = f"MAX({','.join(zs)})"
            return f"EXP({z}-{top})/({'+'.join(f'EXP({zk}-{top})' for zk in zs)})"
        return {"sigmoid": f"1/(1+EXP(-{z}))", "tanh": f"TANH({z})", "relu": f"MAX(0,{z})", "linear": z}[f]

    def _share(self, j: int, e: int) -> str:
        """Output j's share of example e's loss, as network/reference.py's losses() writes it."""
        a, t = self.a(self.L, j, e), self.t(j, e)
        if self.net.loss == "half-squared-error":
            return f"0.5*({t}-{a})^2"  # E_j = ½(t_j − a_j)²
        if self.net.activations[-1] == "softmax":
            return f"-({t}*LN({a}))"  # E_j = −t_j·ln a_j
        return f"-({t}*LN({a})+(1-{t})*LN(1-{a}))"  # E = −(t·ln a + (1 − t)·ln(1 − a))

    def _error(self, q: Quantity) -> str:
        return self._share(q.neuron, q.example)

    def _errors(self, e: int) -> str:
        """Σ_j E_j of example e: the shares' cells (the classic E1 + E2), else the shares written out."""
        shares = []
        for j in range(1, self.width(self.L) + 1):
            q = Quantity(Kind.ERROR, neuron=j, example=e)
            shares.append(self.cell(q) if self.has(q) else self._share(j, e))
        return "+".join(shares)

    def _loss(self, q: Quantity) -> str:
        return self._errors(q.example)

    def _e_total(self, q: Quantity) -> str:
        if self.examples == 1:
            return self._errors(1)
        losses = "+".join(self.cell(Quantity(Kind.LOSS, example=e)) for e in range(1, self.examples + 1))
        return f"({losses})/{self.examples}"

    def _delta(self, q: Quantity) -> str:
        l, j, e = q.layer, q.neuron, q.example
        if l == self.L:
            a, t = self.a(l, j, e), self.t(j, e)
            if self.net.loss == "cross-entropy":  # δ = a − t
                return f"{a}-{t}"
            if self.net.activations[-1] == "softmax":  # δ_j = a_j·((a_j − t_j) − Σ_k (a_k − t_k)·a_k)
                ks = range(1, self.width(l) + 1)
                total = "+".join(f"({self.a(l, k, e)}-{self.t(k, e)})*{self.a(l, k, e)}" for k in ks)
                return f"{a}*(({a}-{t})-({total}))"
            return self._times_derivative(f"({a}-{t})", l, j, e, single=True)
        # δ_l_j = ∂E/∂a_l_j · f'(z_l_j)
        return self._times_derivative(self.dE_da(l, j, e), l, j, e, single=self.width(l + 1) == 1)

    def _dE_da(self, q: Quantity) -> str:
        # ∂E/∂a_l_j = Σ_k δ_(l+1)_k · w_(l+1)_k_j
        l, j, e = q.layer, q.neuron, q.example
        return "+".join(f"{self.delta(l + 1, k, e)}*{self.w(l + 1, k, j)}" for k in range(1, self.width(l + 1) + 1))

    def _times_derivative(self, g: str, l: int, j: int, e: int, *, single: bool) -> str:
        """g · f'(z_l_j): sigmoid a·(1 − a), tanh 4/(e^z + e^−z)² (= 1 − a², without its cancellation near a = ±1),
        relu IF(z > 0, 1, 0), linear 1."""
        a = self.a(l, j, e)
        f = self.net.activations[l - 1]
        if f == "linear":
            return g[1:-1] if g.startswith("(") and not single else g
        z = self.z(l, j, e)
        derivative = {"sigmoid": f"{a}*(1-{a})", "tanh": f"(4/(EXP({z})+EXP(-{z}))^2)", "relu": f"IF({z}>0,1,0)"}[f]
        return f"{g}*{derivative}"

    def _grad_weight(self, q: Quantity) -> str:
        # ∂E_total/∂w_l_j_k = (1/n) Σ_e δ_l_j · a_(l-1)_k
        l, j, k = q.layer, q.neuron, q.source
        products = "+".join(f"{self.delta(l, j, e)}*{self.a(l - 1, k, e)}" for e in range(1, self.examples + 1))
        return products if self.examples == 1 else f"({products})/{self.examples}"

    def _grad_bias(self, q: Quantity) -> str:
        # ∂E_total/∂b_l_j = (1/n) Σ_e δ_l_j
        total = "+".join(self.delta(q.layer, q.neuron, e) for e in range(1, self.examples + 1))
        return total if self.examples == 1 else f"({total})/{self.examples}"


def _factor(expression: str) -> str:
    """The expression as a factor of a product: in parentheses when it has a + or − outside any."""
    depth = 0
    for i, ch in enumerate(expression):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and ch in "+-" and i > 0 and expression[i - 1] not in "*/^(":
            return f"({expression})"
    return expression
