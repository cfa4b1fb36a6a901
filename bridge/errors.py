"""The project's own errors: one tree, each message telling the user what to do next."""

__all__ = ["BridgeError", "InputError", "LogError", "ModelError", "UsageError"]


class BridgeError(Exception):
    """Base of every error the command line reports as one line, without a traceback."""


class UsageError(BridgeError):
    """An option or argument that cannot work."""


class InputError(BridgeError):
    """Audio or a transcript that cannot be read."""


class ModelError(BridgeError):
    """A model that is missing, corrupt or cannot be installed."""


class LogError(BridgeError):
    """An event log that cannot be read or written."""
