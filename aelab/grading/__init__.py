"""Autograding: sandboxed runner, clean-process checks, calibration, reports."""
