"""The agency role. Its flows arrive with their issues; enabling the role mounts them."""

from openivan.agency import errors  # noqa: F401  (registers its error codes)
