"""The bot's command modules, loaded in this order by QuizBot.setup_hook."""

EXTENSIONS: tuple[str, ...] = ("bot.ui.cogs.quiz", "bot.ui.cogs.admin")
