"""Test settings: the smoke profile by default, and a non-interactive plotting backend.

pytest loads this file before collecting, so the notebook kernels nbval starts inherit
COURSE_PROFILE=smoke unless the command line set a profile (COURSE_PROFILE=full pytest).
"""
import os

os.environ.setdefault("COURSE_PROFILE", "smoke")

import matplotlib  # noqa: E402  (the profile must be set before anything imports course_lib)

matplotlib.use("Agg")
