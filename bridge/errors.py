"""The project's own errors: one tree, each message telling the user what to do next.

BridgeError                 reported by the command line as one line, without a traceback
├── UsageError              an option or argument that cannot work
├── InputError              audio or a transcript that cannot be read
├── ModelError              a model that is missing, corrupt or cannot be installed
├── LogError                an event log that cannot be read or written
├── CaptureError            audio capture cannot start: PortAudio missing, or no such input device
├── ClientError             a feed client's message refused; the text goes back to that client
├── CommandError            a commander's action refused; the text is shown to the commander
└── PostError               the incident channel's webhook could not be reached or refused a message
"""

__all__ = [
    "BridgeError",
    "CaptureError",
    "ClientError",
    "CommandError",
    "InputError",
    "LogError",
    "ModelError",
    "PostError",
    "UsageError",
]


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


class CaptureError(BridgeError):
    """Audio capture cannot start: PortAudio missing, or no such input device."""


class ClientError(BridgeError):
    """A client's message the feed refuses; the text goes back to that client."""


class CommandError(BridgeError):
    """A command refused; the message says why, in words fit for the commander."""


class PostError(BridgeError):
    """The incident channel's webhook could not be reached or refused the message; its text is kept."""
