"""Users of the agency's portal: unit accounts issued at activation, officers; password rules."""

from openivan.accounts import errors  # noqa: F401  (registers its error codes)
