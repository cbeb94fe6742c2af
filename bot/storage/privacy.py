"""Pseudonymous user references: a keyed hash of the Telegram user id, never the id itself.

The key comes from BOT_PSEUDONYM_SECRET or, when that is not set, from a file generated once
in BOT_DATA_DIR. Changing the key unlinks everything stored before from the people it was about.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from bot.storage.private_files import FILE_MODE, private_dir

log = logging.getLogger(__name__)
SECRET_FILE = "pseudonym.key"


def load_or_create_secret(configured: str | None, data_dir: Path) -> bytes:
    if configured:
        return configured.encode()
    path = data_dir / SECRET_FILE
    if path.exists():
        return path.read_text(encoding="ascii").strip().encode()
    private_dir(data_dir)
    value = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value + "\n")
    log.warning("generated a new pseudonymisation secret in %s; back it up with the database, "
                "or set BOT_PSEUDONYM_SECRET", path)
    return value.encode()


def pseudonym(user_id: int | str, secret: bytes) -> str:
    """A stable reference for one person that cannot be turned back into their id: a Telegram
    user id, or a name such as `terminal:<login>` for the terminal chat, which no number equals."""
    return hmac.new(secret, str(user_id).encode(), hashlib.sha256).hexdigest()[:32]
