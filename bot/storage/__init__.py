"""What the bot keeps: the Store protocol, its backends, the escalation log."""
