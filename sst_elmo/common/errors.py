"""
Errors that name the place in the user's input where something is wrong.
"""
from typing import Optional, Union

from allennlp.common.checks import ConfigurationError

PathOrStr = Union[str, "os.PathLike[str]"]  # noqa: F821


class InputError(ConfigurationError):
    """
    Malformed user input: a one-line message of the form ``file:line: what is wrong``.

    It subclasses AllenNLP's `ConfigurationError` so that the CLI treats it as a user
    error, not a bug.

    # Parameters

    message : `str`
        What is wrong, in one line.
    path : `str`, optional
        The file the input came from.
    line_number : `int`, optional
        1-based line number in `path`.
    content : `str`, optional
        The offending line; shortened to 80 characters in the message.
    """

    def __init__(
        self,
        message: str,
        path: Optional[PathOrStr] = None,
        line_number: Optional[int] = None,
        content: Optional[str] = None,
    ) -> None:
        self.path = None if path is None else str(path)
        self.line_number = line_number
        where = self.path or "<input>"
        if line_number is not None:
            where = f"{where}:{line_number}"
        text = f"{where}: {message}"
        if content is not None:
            shown = content.strip().replace("\n", " ")
            if len(shown) > 80:
                shown = shown[:77] + "..."
            text += f" (line: {shown!r})"
        super().__init__(text)
