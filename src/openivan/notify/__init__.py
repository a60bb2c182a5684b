"""Notifications: an outbox written with the state change, delivered by the worker."""
