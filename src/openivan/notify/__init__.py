"""Notifications: an outbox written with the state change, delivered by the worker."""

from openivan.notify import errors  # noqa: F401  (registers its error codes)
