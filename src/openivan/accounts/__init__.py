"""Users of the agency's portal: unit accounts issued at activation, officers; password rules."""
