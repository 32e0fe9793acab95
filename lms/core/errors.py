"""Domain errors raised by services. Views and CLI commands turn them into messages."""


class LMSError(Exception):
    """Base of every rule the LMS refuses to break; the message is shown to the person."""


class ValidationError(LMSError):
    """Input that breaks a rule; ``problems`` lists each one."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


class WrongPasswordError(ValidationError):
    """The current password given to confirm a change is not the account's (throttled)."""


class ConflictError(LMSError):
    """The change clashes with what is stored (a taken e-mail, a duplicate)."""


class NotFoundError(LMSError):
    """The thing asked for does not exist."""
