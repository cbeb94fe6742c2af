"""python-telegram-bot wiring: handlers, delivery, polling, webhook, staff desk."""
