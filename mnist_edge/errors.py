"""The one error type the CLI turns into a single line on stderr and a non-zero exit.

Raise UserError for problems with what the user gave us (a file, a folder, an option),
always naming the file and the problem. Anything else is a bug and keeps its traceback.
"""


class UserError(Exception):
    """A problem with the user's input; str(error) is the whole one-line message."""
