"""The agency role. Its flows arrive with their issues; enabling the role mounts them."""
