"""The app's other screens, one module each: help, model info, settings, the model and
chat pickers, and the error screen shown when no model can be loaded."""

from chatbot.tui.screens.error import ErrorScreen
from chatbot.tui.screens.help import HelpScreen
from chatbot.tui.screens.info import InfoScreen
from chatbot.tui.screens.pickers import ChatPicker, ModelPicker
from chatbot.tui.screens.settings import SettingsScreen

__all__ = [
    "ChatPicker",
    "ErrorScreen",
    "HelpScreen",
    "InfoScreen",
    "ModelPicker",
    "SettingsScreen",
]
