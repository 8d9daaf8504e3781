"""The one exception type a user ever sees.

Anything the user can cause (a missing file, a bad encoding, a corrupt model) raises
``ChatbotError`` with a message that fits on one line and says what to do; the CLI
prints it without a traceback. Everything else is a bug and keeps its traceback.
"""


class ChatbotError(Exception):
    """A problem with the user's input or files, explained in one line."""


class NotText(ChatbotError):
    """Bytes that are no text in any encoding: a binary file. Reading line by line, the
    rest of such input would give one error per "line", so readers stop at the first."""


def corrupt_weights(path: object, error: Exception) -> ChatbotError:
    """The one message for a weights file safetensors cannot read, said alike by the
    loader and by ``chatbot info`` (which checks the header without importing torch)."""
    return ChatbotError(f"{path} is corrupt or truncated ({error}); retrain the model")
