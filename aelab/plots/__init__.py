"""Figures the book shows, one module per assignment (``aelab.plots.ex08`` ...).

Every function returns a :class:`matplotlib.figure.Figure` and never calls
``plt.show()``; shared helpers (image grids) live in :mod:`aelab.plots.common`.
"""
