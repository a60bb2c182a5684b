"""The individuals' portal (Cổng giao dịch điện tử cho cá nhân, seed 004)."""

from openivan.portal import errors  # noqa: F401  (registers its error codes)
