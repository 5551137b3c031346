"""nbgrader configuration for adlab's exercises. Run nbgrader from this folder.

Every path here is relative to this folder: source/ holds the assignments and
keys/ their keys (both committed; keys/ is never released); release/,
submitted/, autograded/, feedback/, runs/ and gradebook.db are made by grading
and are not committed.

Autograding runs each student's notebook in a sandbox and gives each test cell
the verdict of the assignment's key (adlab.autograde): nbgrader's own Execute
step is replaced by adlab.autograde.nbgrader.IsolatedRun.
"""

import atexit
import os
import shutil
import tempfile

from adlab.autograde.nbgrader import IsolatedRun
from adlab.course import kernel_config
from adlab.grading import HideHiddenTests
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, GetGrades,
                                    LimitOutput, SaveAutoGrades)

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file

c.CourseDirectory.course_id = "adlab"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"

# Grading runs every student's notebook in a fresh kernel inside a sandbox
# (bubblewrap; adlab.autograde.sandbox), a cell at most 10 s and a notebook at
# most 120 s, with 2 GB of memory; the keys in keys/ then judge the answers the
# test cells recorded. A deleted test cell is put back.
c.Autograde.autograde_preprocessors = [IsolatedRun, LimitOutput, SaveAutoGrades,
                                       AssignLatePenalties, CheckCellMetadata]
c.IsolatedRun.course_directory = os.path.dirname(os.path.abspath(__file__))
c.IsolatedRun.cell_timeout = 10
c.IsolatedRun.notebook_timeout = 120
c.OverwriteCells.add_missing_cells = True
# nbgrader validate and the formgrader still run notebooks with nbgrader's own
# Execute step (not sandboxed: use them on trusted notebooks only).
c.Execute.timeout = 60
c.Execute.kernel_name = "python3"

# Kernels talk to nbgrader over Unix sockets in a private temporary folder
# rather than TCP ports (ipykernel 7 warns about unencrypted TCP on every
# notebook, and other users of a shared machine could connect to the ports).
_sockets = tempfile.mkdtemp(prefix="adlab-nbgrader-")
atexit.register(shutil.rmtree, _sockets, True)
c.merge(kernel_config(_sockets))  # TCP, as usual, on Windows

# What a student sees in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Feedback: nbgrader's own steps, plus removing hidden tests and their tracebacks.
c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
