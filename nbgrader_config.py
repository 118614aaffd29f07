"""nbgrader course configuration (nbgrader 0.9.x).

``solutions/`` holds the reference notebooks with nbgrader markup (the *source*
directory) and ``exercises/`` the generated student notebooks (the *release*
directory). Regenerate with ``make exercises`` (``python -m aelab.grading.release``),
which runs ``generate_assignment`` in a temporary copy of this course so that
the gradebook it writes (it stores hidden-test source) never lands in the
repository. Grading goes through ``aelab grade``, not ``nbgrader autograde``:
see ``autograde/README.md`` for why.
"""

from pathlib import Path

c = get_config()  # noqa: F821 - injected by traitlets when nbgrader loads this file

_ROOT = Path(__file__).resolve().parent
c.CourseDirectory.root = str(_ROOT)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.course_id = "aelab"
# Only notebooks are released: any helper file in solutions/<assignment>/ would
# be handed to students, so none is allowed there (the release check enforces it).
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "artefacts", "results"]
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.ClearHiddenTests.begin_test_delimeter = "BEGIN HIDDEN TESTS"
c.ClearHiddenTests.end_test_delimeter = "END HIDDEN TESTS"
