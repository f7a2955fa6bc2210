"""Domain errors carry a stable code (for the API) and a translated message (for people)."""


class DomainError(Exception):
    status = 400

    def __init__(self, code: str, message: str, *, field: str | None = None, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.field = field
        if status is not None:
            self.status = status


class InvalidInput(Exception):
    """Bad fields: one translated message per field. Nothing is saved."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
