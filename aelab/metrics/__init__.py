"""Metrics: reconstruction, accuracy, purity, retrieval, bits/dim."""
