"""Inspect AI evals for msm_nb, one folder per eval, run with `inspect eval evals/<name>/task.py`."""
