"""Diacritic folding: `Đặt sức khỏe` → `Dat suc khoe` (đ/Đ do not decompose under NFD)."""

from __future__ import annotations

import unicodedata


def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {ord("đ"): "d", ord("Đ"): "D"}
    for start, end in ((0x00C0, 0x024F), (0x1E00, 0x1EFF)):
        for code in range(start, end + 1):
            base = "".join(c for c in unicodedata.normalize("NFD", chr(code))
                           if not unicodedata.combining(c))
            if base and base != chr(code) and base.isascii():
                table[code] = base
    return table


_FOLD_TABLE = _build_fold_table()


def fold(text: str) -> str:
    """Strip Vietnamese (and other Latin) diacritics."""
    return fold_composed(unicodedata.normalize("NFC", text))


def fold_composed(text: str) -> str:
    """`fold` for text already in NFC, as every normalised word is."""
    folded = text.translate(_FOLD_TABLE)
    if folded.isascii():
        return folded
    return "".join(c for c in unicodedata.normalize("NFD", folded) if not unicodedata.combining(c))
