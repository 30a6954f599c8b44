"""``python -m bot.cli`` runs the same command line as ``baocao``."""

from bot.cli import main

main()
