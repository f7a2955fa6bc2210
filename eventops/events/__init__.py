"""Events: the conference itself, its capacities, custom questions and registration window."""
