"""From-scratch NumPy reference code: perceptron, layers with backward passes, convolution and
pooling, losses, SGD, a sequential container, a training loop and numerical gradient checking."""
from course_lib.scratch.conv import Conv2D, Flatten, Pool2D, conv2d, conv_output_size, pool2d
from course_lib.scratch.gradcheck import gradient_check, numerical_gradient, relative_error
from course_lib.scratch.layers import (Activation, Dense, Layer, LeakyReLU, PReLU, ReLU, Sigmoid,
                                       Softmax, Step, Tanh)
from course_lib.scratch.losses import CrossEntropy, Loss, MeanSquaredError, one_hot
from course_lib.scratch.perceptron import Perceptron
from course_lib.scratch.training import SGD, Sequential, evaluate, fit

__all__ = [
    "Activation", "Conv2D", "CrossEntropy", "Dense", "Flatten", "Layer", "LeakyReLU", "Loss",
    "MeanSquaredError", "PReLU", "Perceptron", "Pool2D", "ReLU", "SGD", "Sequential", "Sigmoid",
    "Softmax", "Step", "Tanh", "conv2d", "conv_output_size", "evaluate", "fit", "gradient_check",
    "numerical_gradient", "one_hot", "pool2d", "relative_error",
]
