"""The command line and the terminal chat, on top of every other layer."""
