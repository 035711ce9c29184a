"""Layers in NumPy, each with a forward pass and the backward pass that backpropagation needs.

Every layer follows one contract:

* ``forward(x)`` computes the output and keeps what the backward pass will need;
* ``backward(grad_output)`` receives dLoss/dOutput and returns dLoss/dInput, and stores
  dLoss/dParameter in ``self.grads`` under the same keys as ``self.params``.

Inputs are batches: shape ``(batch, features)``.
"""
from __future__ import annotations

import abc

import numpy as np

from course_lib.validation import as_feature_batch, as_float_array


class Layer(abc.ABC):
    """A differentiable step of a network: parameters, forward pass, backward pass."""

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    @abc.abstractmethod
    def forward(self, x: np.ndarray) -> np.ndarray:
        """Output for a batch ``x``; remembers what :meth:`backward` needs."""

    @abc.abstractmethod
    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """dLoss/dInput from dLoss/dOutput of the last forward pass; fills ``self.grads``."""

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def _check_grad(self, grad_output, expected_shape) -> np.ndarray:
        grad_output = np.asarray(grad_output)
        if expected_shape is None:
            raise ValueError(f"{type(self).__name__}.backward() called before forward()")
        if grad_output.shape != expected_shape:
            raise ValueError(f"{type(self).__name__}.backward() expects a gradient of shape "
                             f"{expected_shape} (the forward output), got {grad_output.shape}")
        return grad_output


class Dense(Layer):
    """Fully connected layer: ``y = x @ W + b`` with ``W`` of shape (n_in, n_out).

    ``init`` picks the random start: ``"he"`` (normal, std sqrt(2 / n_in), for ReLU nets; Keras's
    ``he_normal`` truncates the same normal at two standard deviations) or ``"glorot"`` (uniform in
    +-sqrt(6 / (n_in + n_out)), Keras's default, for sigmoid and tanh).
    Random, not zero: identical weights would get identical gradients and never differ.
    """

    def __init__(self, n_in: int, n_out: int, init: str = "he", rng: np.random.Generator | None = None):
        super().__init__()
        if not (isinstance(n_in, (int, np.integer)) and isinstance(n_out, (int, np.integer))
                and n_in > 0 and n_out > 0):
            raise ValueError(f"Dense needs positive integer sizes, got n_in={n_in!r}, n_out={n_out!r}")
        rng = rng if rng is not None else np.random.default_rng()
        if init == "he":
            weights = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
        elif init == "glorot":
            limit = np.sqrt(6.0 / (n_in + n_out))
            weights = rng.uniform(-limit, limit, size=(n_in, n_out))
        else:
            raise ValueError(f"unknown init {init!r}: use 'he' or 'glorot'")
        self.params = {"W": weights, "b": np.zeros(n_out)}
        self._x = None

    def set_weights(self, weights) -> None:
        """Replace ``[W, b]`` (the order Keras's ``Dense.set_weights`` uses), checking their shapes."""
        if len(weights) != 2:
            raise ValueError(f"set_weights expects [W, b], got {len(weights)} arrays")
        for key, value in zip(("W", "b"), weights):
            value = np.asarray(value, dtype=np.float64)
            if value.shape != self.params[key].shape:
                raise ValueError(f"{key} must have shape {self.params[key].shape}, got {value.shape}")
            self.params[key] = value.copy()

    def forward(self, x):
        self._x = as_feature_batch(x, "Dense input", self.params["W"].shape[0])
        return self._x @ self.params["W"] + self.params["b"]

    def backward(self, grad_output):
        expected = None if self._x is None else (len(self._x), self.params["W"].shape[1])
        grad_output = self._check_grad(grad_output, expected)
        self.grads = {"W": self._x.T @ grad_output, "b": grad_output.sum(axis=0)}
        return grad_output @ self.params["W"].T


class Activation(Layer):
    """An element-wise activation ``a = f(z)``: backward multiplies by ``f'(z)`` (chain rule).

    Works on any batch shape: (batch, features) after a dense layer, (batch, height, width,
    channels) after a convolution.
    """

    def __init__(self):
        super().__init__()
        self._z = None

    @abc.abstractmethod
    def function(self, z: np.ndarray) -> np.ndarray:
        """f(z), element-wise."""

    @abc.abstractmethod
    def derivative(self, z: np.ndarray) -> np.ndarray:
        """f'(z), element-wise."""

    def forward(self, z):
        self._z = as_float_array(z, f"{type(self).__name__} input")
        return self.function(self._z)

    def backward(self, grad_output):
        grad_output = self._check_grad(grad_output, None if self._z is None else self._z.shape)
        return grad_output * self.derivative(self._z)


class Step(Activation):
    """Heaviside step, the perceptron's activation: 1 where z >= 0, else 0.

    Its derivative is 0 everywhere it exists, so gradient descent gets no signal through it:
    the reason smooth activations replaced it.
    """

    def function(self, z):
        return (np.asarray(z) >= 0).astype(np.float64)

    def derivative(self, z):
        return np.zeros_like(np.asarray(z, dtype=np.float64))


class Sigmoid(Activation):
    """Logistic sigmoid 1 / (1 + e^-z), squashing to (0, 1); f' = f (1 - f), at most 0.25."""

    def function(self, z):
        return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z)))  # the same function, without exp overflow

    def derivative(self, z):
        s = self.function(z)
        return s * (1.0 - s)


class Tanh(Activation):
    """Hyperbolic tangent, squashing to (-1, 1) and centred on 0; f' = 1 - f^2."""

    def function(self, z):
        return np.tanh(z)

    def derivative(self, z):
        return 1.0 - np.tanh(z) ** 2


class ReLU(Activation):
    """Rectified linear unit max(0, z): gradient 1 for positive inputs, 0 otherwise."""

    def function(self, z):
        return np.maximum(0.0, z)

    def derivative(self, z):
        return (np.asarray(z) > 0).astype(np.float64)


class LeakyReLU(Activation):
    """ReLU with a small fixed slope ``alpha`` for negative inputs, so no unit's gradient is 0.

    The default 0.01 is the common textbook choice; ``keras.layers.LeakyReLU`` defaults to 0.3.
    """

    def __init__(self, alpha: float = 0.01):
        super().__init__()
        if not alpha >= 0:
            raise ValueError(f"alpha must be a non-negative slope, got {alpha!r}")
        self.alpha = float(alpha)

    def function(self, z):
        return np.where(np.asarray(z) > 0, z, self.alpha * np.asarray(z))

    def derivative(self, z):
        return np.where(np.asarray(z) > 0, 1.0, self.alpha)


class PReLU(Activation):
    """Parametric ReLU: like Leaky ReLU, but each unit (or channel: the last axis) learns its own
    negative slope ``alpha``.

    Starts at 0.25 as in He et al. (2015); ``keras.layers.PReLU`` starts its slopes at 0.
    """

    def __init__(self, n_features: int, alpha: float = 0.25):
        super().__init__()
        self.params = {"alpha": np.full(n_features, float(alpha))}

    def function(self, z):
        return np.where(np.asarray(z) > 0, z, self.params["alpha"] * np.asarray(z))

    def derivative(self, z):
        return np.where(np.asarray(z) > 0, 1.0, self.params["alpha"])

    def forward(self, z):
        z = as_float_array(z, "PReLU input")
        if z.shape[-1] != len(self.params["alpha"]):
            raise ValueError(f"PReLU input must have {len(self.params['alpha'])} features on its last axis, "
                             f"got shape {z.shape}")
        return super().forward(z)

    def backward(self, grad_output):
        grad_input = super().backward(grad_output)
        per_entry = grad_output * np.minimum(self._z, 0.0)
        self.grads = {"alpha": per_entry.reshape(-1, per_entry.shape[-1]).sum(axis=0)}
        return grad_input


class Softmax(Layer):
    """Turns a row of scores into probabilities: exp(z_i) / sum_j exp(z_j).

    Not element-wise: every output depends on every input, so the backward pass multiplies by
    the Jacobian, which simplifies to ``p * (g - sum(g * p))`` row by row.
    """

    def __init__(self):
        super().__init__()
        self._p = None

    def forward(self, z):
        z = as_feature_batch(z, "Softmax input")
        exp = np.exp(z - z.max(axis=1, keepdims=True))  # shifting by the max avoids overflow
        self._p = exp / exp.sum(axis=1, keepdims=True)
        return self._p

    def backward(self, grad_output):
        grad_output = self._check_grad(grad_output, None if self._p is None else self._p.shape)
        return self._p * (grad_output - np.sum(grad_output * self._p, axis=1, keepdims=True))
