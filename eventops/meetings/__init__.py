"""One-to-one meeting scheduling for the negotiation zone.

The formats and rules are in ``shared/specs/meeting-instance.md``:

- :mod:`.instance` reads and validates an instance (``load_instance``; ``InstanceError.problems``);
- :mod:`.checker` verifies any schedule against every rule (``check``);
- :mod:`.solver` places the requested meetings (``solve``);
- :mod:`.cli` is the ``flask meetings solve`` command (the only module that needs Flask).
"""
from .checker import check
from .instance import Instance, InstanceError, load_instance
from .solver import solve, solve_detailed

__all__ = ["Instance", "InstanceError", "check", "load_instance", "solve", "solve_detailed"]
