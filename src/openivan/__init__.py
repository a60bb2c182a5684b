"""OpenIVAN: electronic transactions with Vietnam Social Security (BHXH)."""

__version__ = "0.1.0"
