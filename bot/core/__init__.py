"""The pure engine: normalise, detect crisis, match an intent, build the reply. No I/O."""
