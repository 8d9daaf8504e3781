"""The Textual chat app (``chatbot chat``). UI only: replies come from ``chatbot.bot``."""
