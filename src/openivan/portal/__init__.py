"""The individuals' portal (seed 004): 01/ĐK-GD, the reception desk, records of insured persons."""

from openivan.portal import errors  # noqa: F401  (registers its error codes)
