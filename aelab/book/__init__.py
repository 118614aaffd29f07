"""Build logic of the Jupyter Book (book root = repository root).

- :mod:`aelab.book.build`: runs ``jupyter-book build`` strictly for one profile.
- :mod:`aelab.book.cache_key`: keys the notebook execution cache on the package,
  the data and the profile (Jupyter Book 1 only notices edited code cells).
- :mod:`aelab.book.assets`: MathJax 3 from npm, served by the site itself.
- :mod:`aelab.book.results_page`: Markdown tables generated from results JSON.
- :mod:`aelab.book.sphinx_ext`: Sphinx extension that inserts those tables.
- :mod:`aelab.book.demos`: small real experiments behind the Q1-Q7 figures.
"""
