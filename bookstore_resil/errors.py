"""One exception root for the package, with structured fields.

Every error the workbook raises on purpose is a :class:`ResilError`; the CLI prints
``str(error)`` as one line and exits with ``error.exit_code``, never a traceback. A
notebook shows it as one line too: IPython asks the error how to render itself.
"""

from __future__ import annotations

from dataclasses import dataclass


class ResilError(Exception):
    """Root of every error the workbook raises on purpose."""

    exit_code = 1

    def _render_traceback_(self) -> list[str]:
        """What IPython shows in a notebook: the one line, not sixty lines of frames."""
        return [f"{type(self).__name__}: {self}"]


@dataclass(frozen=True)
class Problem:
    """One problem in a system definition: ``FILE:LINE: field: message``."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class DefinitionError(ResilError):
    """A system definition with problems; carries every one of them."""

    exit_code = 2

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.field, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def first(self) -> Problem:
        return self.problems[0]


class UsageError(ResilError):
    """A command called with something it cannot use (an unknown service, a bad time)."""

    exit_code = 2


# The optional packages, by the extra of pyproject.toml that installs them.
EXTRAS = {
    "boto3": "aws",
    "botocore": "aws",
    "django": "lab",
    "rest_framework": "lab",
    "gunicorn": "lab",
    "psycopg": "lab",
    "moto": "lab",
    "pgserver": "lab",
    "chaoslib": "chaostoolkit",
}


class MissingExtra(UsageError):
    """An optional package that is not installed, named with the extra that installs it;
    the same line and exit code wherever it is found missing."""

    def __init__(self, module: str):
        self.module = module.partition(".")[0]
        extra = EXTRAS.get(self.module)
        how = f"pip install 'bookstore-resil[{extra}]'" if extra else "not part of any extra"
        super().__init__(f"{self.module} is not installed: {how}")


class TargetError(ResilError):
    """A target (the lab, AWS) that cannot be reached or is not healthy."""

    def __init__(self, target: str, message: str, output: str | None = None):
        self.target = target
        self.output = output  # what the failing command or request said, capped
        super().__init__(f"{target}: {message}")


class ExerciseError(ResilError):
    """An exercise that cannot start, resume or continue."""

    def __init__(self, exercise_id: str, message: str):
        self.exercise_id = exercise_id
        super().__init__(f"exercise {exercise_id}: {message}")


class EventLogError(ResilError):
    """An event log line that cannot be read (not a torn last line: that is tolerated):
    ``FILE:LINE: field: message``, the field being ``event`` when the line is no event."""

    def __init__(self, path: str, line: int, message: str, field: str = "event"):
        self.path = path
        self.line = line
        self.field = field
        self.message = message
        super().__init__(f"{path}:{line}: {field}: {message}")


class ReportError(ResilError):
    """An archive that cannot be reported on (no event log, a failed notebook, S3 trouble)."""

    def __init__(self, archive: str, message: str):
        self.archive = archive
        super().__init__(f"{archive}: {message}")


class NotAnArchive(ReportError):
    """A folder or address given as an exercise archive that holds none: bad input."""

    exit_code = 2


class TargetBusy(ExerciseError):
    """A target already in another exercise: one exercise at a time per target."""

    exit_code = 2
