"""The error types the CLI turns into a single line and a documented exit code.

Raise UserError for problems with what the user gave us (a file, a folder, an option),
always naming the file and the problem. Anything else is a bug and keeps its traceback.
NotADigit is the preprocessing's verdict that an image holds no single readable digit: the
API reports it as a Prediction with digit None and the reason, not as a failure.
"""


class UserError(Exception):
    """A problem with the user's input; str(error) is the whole one-line message."""


class NotADigit(UserError):
    """No single readable digit in the image; reason is "blank" or "not_a_digit"."""

    def __init__(self, message: str, reason: str = "blank"):
        super().__init__(message)
        self.reason = reason
