"""The bot's own sentences (`messages:` files), and the keys the bot cannot do without."""

from __future__ import annotations

from pathlib import Path

from bot.content.fields import localised
from bot.content.problems import Problem
from bot.content.yamlio import Node
from bot.core.commands import COMMANDS
from bot.core.models import Localised

MESSAGE_KEYS = (
    "fallback", "error", "menu_title", "hotlines_heading", "open_now", "closed_now",
    "hours_always", "hours_days", "cost_free", "cost_caller_pays", "cost_standard", "day_names",
    "more_hotlines", "checkin_safe", "checkin_help",
    # the front ends' own sentences
    "start", "privacy", "forget_confirm", "button_forget_yes", "button_forget_no", "forget_done",
    "forget_cancelled", "language_prompt", "language_set", "button_vi", "button_en", "non_text",
    "button_auto", "language_auto", "language_current_vi", "language_current_en",
    "language_current_auto", "group_hint", "rate_limited", "reload_ok", "reload_failed", "door_open",
    "more_none", "fallback_feeling", "also_topic",
    *(c.description_key for c in COMMANDS),
    # exercises, the safety plan and check-ins
    "menu_exercises", "button_start", "button_next", "button_skip", "button_stop", "button_continue",
    "button_resend", "exercise_stopped", "exercise_busy", "activity_stop_words",
    "stale_button", "day_today", "day_tomorrow", "checkin_offer", "button_checkin_yes",
    "button_checkin_no", "checkin_scheduled", "button_checkin_cancel", "checkin_cancelled",
    "checkin_declined", "checkin_message", "button_checkin_better", "button_checkin_hard",
    "checkin_better", "checkin_hard",
    # the staff group's alerts and commands
    "staff_alert", "staff_excerpt", "staff_about_other", "staff_from_terminal", "staff_handled",
    "staff_label", "staff_reminder", "staff_needs_help", "staff_thinking", "staff_open_heading",
    "staff_none_open",
    "staff_stats_heading", "staff_stats_by_day", "staff_stats_by_trigger", "staff_stats_by_lang",
    "staff_note_added", "staff_note_usage", "staff_not_found", "staff_digest", "staff_digest_chart",
    "staff_spool_warning",
    *(f"staff_{kind}_{value}" for kind, values in (
        ("level", ("emergency", "urgent", "concern")), ("status", ("new", "acknowledged", "resolved")),
        ("checkin", ("none", "safe", "needs_help", "thinking", "not_thinking", "unsaid")),
        ("label", ("real", "false_alarm")),
        ("button", ("ack", "resolve", "real", "false"))) for value in values),
)


def read_messages(node: Node, messages: dict[str, Localised]) -> None:
    for key, value in node.items():
        if key in messages:
            value.problem(f"message '{key}' is defined twice")
        messages[key] = localised(value, f"message '{key}'")


def check_messages(messages: dict[str, Localised], problems: list[Problem], path: Path) -> None:
    for key in MESSAGE_KEYS:
        if key not in messages:
            problems.append(Problem(str(path), 0, f"message '{key}' is missing; the bot needs it"))
