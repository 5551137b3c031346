"""nbgrader configuration for adlab's exercises. Run nbgrader from this folder.

Every path here is relative to this folder: source/ holds the assignments
(committed); release/, submitted/, autograded/, feedback/ and gradebook.db are
made by nbgrader and are not committed.
"""

import atexit
import shutil
import tempfile

from adlab.course import kernel_config
from adlab.grading import HideHiddenTests
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import GetGrades

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file

c.CourseDirectory.course_id = "adlab"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"

# Grading runs every student's notebook in a fresh python3 kernel. A cell that
# runs longer than this many seconds (a loop that never ends) is interrupted,
# marked as an error and grading goes on with the next cell and notebook.
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
