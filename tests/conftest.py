"""Shared test settings: draw charts without a screen."""

import matplotlib

matplotlib.use("Agg")
