"""Exceptions that end a command. Everything else (bad rows, bad cells) is a Finding, not an exception."""

from __future__ import annotations


class SvcsheetError(Exception):
    """Base class: the CLI turns these into a message and an exit code."""

    exit_code = 1


class UsageError(SvcsheetError):
    """The user asked for something that cannot be done as asked (unknown form, bad option value)."""

    exit_code = 2


class PolicyError(SvcsheetError):
    """The policy file has a mistake; the message names the key and the reason."""

    exit_code = 2


class UnreadableWorkbook(SvcsheetError):
    """One input file cannot be read at all (not a workbook, corrupt, too large, unsafe).

    The batch catches this per file, records it in run.json and goes on with the other files.
    """

    exit_code = 3


class NotFound(SvcsheetError):
    """A ticket id that no recorded run or archived file holds."""

    exit_code = 1


class CalendarGap(SvcsheetError):
    """The business calendar does not cover a year; the message names the year and the policy key."""

    exit_code = 4


class ArchiveError(SvcsheetError):
    """The archive store is missing, altered or inconsistent."""

    exit_code = 5
