"""Benchmarks (not tests): run them by hand, record the figures in the README."""
