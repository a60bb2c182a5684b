"""The provider role. Its flows arrive with their issues; enabling the role mounts them."""

from openivan.provider import errors  # noqa: F401  (registers its error codes)
