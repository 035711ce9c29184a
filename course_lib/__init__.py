"""course_lib: the code the course notebooks share.

Import it before Keras in a notebook: it loads Keras with TensorFlow's native start-up logging
silenced. Modules: ``runtime`` (setup, profiles, seeds), ``data`` (datasets and splits),
``models`` (Keras model builders), ``training`` (the training recipe in parts), ``evaluation``
(accuracy, intervals, comparisons over seeds), ``autodiff`` (gradients on any backend), ``interpret``
(attribution maps and their sanity checks), ``robustness`` (transformed test images, adversarial
attacks and adversarial training), ``baselines`` (scikit-learn k-NN and SVM pipelines),
``transfer`` (pretrained backbones, image folders), ``plots``, ``checks`` (exercise tests),
``sequences`` (spoken digits and moving-digit clips), ``cost`` (FLOPs, peak and measured throughput),
``parallel`` (data-parallel training on several devices), ``scratch`` (the NumPy reference
implementations) and ``results`` (recorded metrics; imported on use, as
``python -m course_lib.results`` runs it).
"""
from course_lib import runtime  # first: it imports Keras quietly
from course_lib import (autodiff, baselines, checks, cost, data, evaluation, interpret, models, parallel, plots,
                        robustness, scratch, sequences, training, transfer)
from course_lib.runtime import Run, setup

__version__ = "0.1.0"
__all__ = ["Run", "autodiff", "baselines", "checks", "cost", "data", "evaluation", "interpret", "models", "parallel",
           "plots", "robustness", "runtime", "scratch", "sequences", "setup", "training", "transfer"]
