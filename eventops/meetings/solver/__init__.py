"""The meeting scheduler: pure Python (no Flask, no database), in the format of
``shared/specs/meeting-instance.md``.

- :mod:`.instance` reads and validates an instance (``load_instance``; ``InstanceError.problems``);
- :mod:`.checker` verifies any schedule against every rule (``check``);
- :mod:`.engine` places the requested meetings (``solve``, ``solve_detailed``), with
  :mod:`.plan` (the working state), :mod:`.heuristic`, :mod:`.mip` (HiGHS) and :mod:`.reasons`
  (why a request was left out);
- :mod:`.replan` re-plans the rest of the day (``replan``): fixed meetings stay, the best weight
  again, and as few of the current meetings moved as possible;
- ``first_fit_schedule`` is the naive baseline benchmarks compare with.

The zone around it (``meetings.models``, ``zone``, ``scheduling``, ``views``...) turns the
database into an instance and the schedule back into meetings.
"""
from .checker import check
from .engine import METHODS, Result, first_fit_schedule, solve, solve_detailed
from .instance import Instance, InstanceError, load_instance
from .mip import available as mip_available
from .plan import Plan
from .replan import replan

__all__ = ["METHODS", "Instance", "InstanceError", "Plan", "Result", "check", "first_fit_schedule", "load_instance",
           "mip_available", "replan", "solve", "solve_detailed"]
