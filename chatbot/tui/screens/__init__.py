"""The app's other screens, one module each: help, model info, settings, the model,
chat and character pickers, making a bot (new bot, training), and the error screen
shown when no model can be loaded."""

from chatbot.tui.screens.error import ErrorScreen
from chatbot.tui.screens.help import HelpScreen
from chatbot.tui.screens.info import InfoScreen
from chatbot.tui.screens.newbot import NewBot, NewBotScreen
from chatbot.tui.screens.pickers import CharacterPicker, ChatPicker, ModelPicker
from chatbot.tui.screens.settings import Settings, SettingsScreen
from chatbot.tui.screens.training import TrainingScreen

__all__ = [
    "CharacterPicker",
    "ChatPicker",
    "ErrorScreen",
    "HelpScreen",
    "InfoScreen",
    "ModelPicker",
    "NewBot",
    "NewBotScreen",
    "Settings",
    "SettingsScreen",
    "TrainingScreen",
]
