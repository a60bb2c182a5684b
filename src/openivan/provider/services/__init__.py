"""The provider's domain operations: the only place its records change state."""
