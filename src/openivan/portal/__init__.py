"""The individuals' portal (Cổng giao dịch điện tử cho cá nhân, seed 004)."""

# Importing them registers their error codes: the portal's, then the desk's and the records'.
from openivan.portal import desk_errors, errors  # noqa: F401
