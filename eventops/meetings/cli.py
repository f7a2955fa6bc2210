"""``flask meetings solve INSTANCE.json -o SCHEDULE.json [--time-limit S]``, and
``flask meetings replan INSTANCE.json CURRENT.json -o SCHEDULE.json [--time-limit S]`` (the rest of
the day: CURRENT.json is where the meetings not in ``fixed`` are now, a schedule or its list of
meetings; as few of them move as the best weight allows).

Exit codes: 0 written; 2 the instance is invalid or unreadable (each problem is printed, nothing is
written); 1 the schedule failed the checker (a bug; nothing is written).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import click
from flask.cli import AppGroup

from .solver import METHODS, InstanceError, check, load_instance, mip_available, replan, solve_detailed

meetings_cli = AppGroup("meetings", help="Schedule the one-to-one meetings of a partnering event.")


def solver_options(*, time_limit: float):
    """-o SCHEDULE.json, --time-limit and --method, as the solving commands take them."""
    def decorate(command):
        for option in reversed([
            click.option("-o", "--output", "output", metavar="SCHEDULE.json", required=True,
                         type=click.Path(dir_okay=False), help="Where to write the schedule (JSON, UTF-8)."),
            click.option("--time-limit", default=time_limit, show_default=True, type=click.FloatRange(min=0.1),
                         help="Seconds the solver may use."),
            click.option("--method", default="auto", show_default=True, type=click.Choice(METHODS),
                         help="auto: HiGHS when installed, else the heuristic.")]):
            command = option(command)
        return command
    return decorate


@meetings_cli.command("solve")
@click.argument("instance_path", metavar="INSTANCE.json", type=click.Path(exists=True, dir_okay=False))
@solver_options(time_limit=10.0)
@click.option("--seed", default=0, show_default=True, type=int, help="Seed for the heuristic's choices.")
def solve_command(instance_path, output, time_limit, method, seed):
    """Read INSTANCE.json, schedule its meetings, write SCHEDULE.json (see meeting-instance.md)."""
    inst = _read(instance_path)
    try:
        result = solve_detailed(inst, time_limit, method=method, seed=seed)
    except RuntimeError as exc:  # --method mip without highspy
        click.echo(str(exc), err=True)
        raise SystemExit(2) from None
    schedule = result.schedule
    _write(inst, schedule, output)
    total = len(inst.requests)
    bound = ""
    if result.optimal:
        bound = ", optimal"
    elif result.upper_bound is not None:
        bound = f", upper bound {math.floor(result.upper_bound)}"  # weights are integers
    click.echo(f"{len(schedule['meetings'])} of {total} requests scheduled, objective {schedule['objective']}"
               f"{bound}, {len(schedule['unscheduled'])} unscheduled, {schedule['seconds']:.2f} s -> {output}")


@meetings_cli.command("replan")
@click.argument("instance_path", metavar="INSTANCE.json", type=click.Path(exists=True, dir_okay=False))
@click.argument("current_path", metavar="CURRENT.json", type=click.Path(exists=True, dir_okay=False))
@solver_options(time_limit=5.0)
def replan_command(instance_path, current_path, output, time_limit, method):
    """Re-plan: keep INSTANCE.json's fixed meetings, the best weight, and as few of CURRENT.json's
    meetings moved as possible; write SCHEDULE.json (with moved, dropped and added)."""
    inst = _read(instance_path)
    try:
        current = json.loads(Path(current_path).read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        click.echo(f"{current_path}: cannot read it as JSON: {exc}", err=True)
        raise SystemExit(2) from None
    if isinstance(current, dict):
        current = current.get("meetings")
    if not isinstance(current, list):
        click.echo(f"{current_path}: give a list of meetings, or a schedule with 'meetings'", err=True)
        raise SystemExit(2)
    if method == "mip" and not mip_available():
        click.echo("method='mip' needs the highspy package", err=True)
        raise SystemExit(2)
    schedule = replan(inst, current, time_limit, method="heuristic" if method == "heuristic" else "auto")
    _write(inst, schedule, output)
    click.echo(f"{len(schedule['meetings'])} of {len(inst.requests)} requests scheduled, objective "
               f"{schedule['objective']} (keeping them as they were: {schedule['baseline']}); "
               f"{len(schedule['moved'])} moved, {len(schedule['dropped'])} taken off, {len(schedule['added'])} added, "
               f"{schedule['seconds']:.2f} s -> {output}")


def _read(instance_path):
    try:
        data = Path(instance_path).read_bytes()
    except OSError as exc:
        click.echo(f"{instance_path}: cannot read: {exc.strerror}", err=True)
        raise SystemExit(2) from None
    try:
        return load_instance(data)
    except InstanceError as exc:
        label = "is not valid JSON" if exc.code == "malformed_json" else \
            f"is not a valid instance ({len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''})"
        click.echo(f"{instance_path} {label}; nothing written:", err=True)
        for p in exc.problems:
            click.echo(f"  {p['entry']}: {p['reason']}", err=True)
        raise SystemExit(2) from None


def _write(inst, schedule, output):
    errors = check(inst, schedule)
    if errors:  # never hand out a schedule that breaks a rule
        click.echo("the schedule failed the checker (a bug); nothing written:", err=True)
        for e in errors:
            click.echo(f"  {e}", err=True)
        raise SystemExit(1)
    try:  # the schedule is complete before the file is opened
        Path(output).write_text(json.dumps(schedule, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        click.echo(f"{output}: cannot write: {exc.strerror}", err=True)
        raise SystemExit(1) from None
