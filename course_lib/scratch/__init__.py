"""From-scratch NumPy reference code: perceptron, layers with backward passes, losses, SGD,
a sequential container, a training loop and numerical gradient checking."""
from course_lib.scratch.gradcheck import gradient_check, numerical_gradient, relative_error
from course_lib.scratch.layers import (Activation, Dense, Layer, LeakyReLU, PReLU, ReLU, Sigmoid,
                                       Softmax, Step, Tanh)
from course_lib.scratch.losses import CrossEntropy, Loss, MeanSquaredError, one_hot
from course_lib.scratch.perceptron import Perceptron
from course_lib.scratch.training import SGD, Sequential, evaluate, fit

__all__ = [
    "Activation", "CrossEntropy", "Dense", "Layer", "LeakyReLU", "Loss", "MeanSquaredError",
    "PReLU", "Perceptron", "ReLU", "SGD", "Sequential", "Sigmoid", "Softmax", "Step", "Tanh",
    "evaluate", "fit", "gradient_check", "numerical_gradient", "one_hot", "relative_error",
]
