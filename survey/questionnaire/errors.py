"""The one error type of the questionnaire package (expressions have their own, a ValueError)."""
from __future__ import annotations


class DefinitionError(ValueError):
    """A definition could not be loaded or is invalid. ``errors`` lists every problem found,
    each naming the file, the line or spreadsheet row where known, the item and the problem."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))
