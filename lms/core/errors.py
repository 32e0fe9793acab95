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


class CohortFinalisedError(ValidationError):
    """A write that would change what feeds a finalised cohort's grades."""

    def __init__(self, what: str = "") -> None:
        suffix = f" ({what} cannot change)" if what else ""
        super().__init__(f"This cohort is finalised; reopen it with a reason first{suffix}.")


class NeedsConfirmationError(ValidationError):
    """Input allowed only when the person confirms it explicitly (a meeting report from
    another day than its session); the view or command says how to confirm."""
