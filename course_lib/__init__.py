"""course_lib: the code the course notebooks share.

Import it before Keras in a notebook: it loads Keras with TensorFlow's native start-up logging
silenced. Modules: ``runtime`` (setup, profiles, seeds), ``data`` (datasets and splits),
``results`` (recorded metrics), ``plots``, ``checks`` (exercise tests) and ``scratch``
(the NumPy reference implementations).
"""
from course_lib import runtime  # first: it imports Keras quietly
from course_lib import checks, data, plots, results, scratch
from course_lib.runtime import Run, setup

__version__ = "0.1.0"
__all__ = ["Run", "checks", "data", "plots", "results", "runtime", "scratch", "setup"]
