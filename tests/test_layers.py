"""The structure the code promises (../shared/CONVENTIONS.md): domain packages import one another
only downwards, so the graph of imports between them has no cycle; and no views module imports
another domain's views."""
import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "eventops"


def _imports():
    """(importing module, imported module) for every `import`/`from ... import` inside eventops/,
    module names relative to the package (``checkin.services``)."""
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = parts[: len(parts) - node.level + (1 if is_package else 0)]
                    target = base + (node.module.split(".") if node.module else [])
                elif node.module and node.module.split(".")[0] == "eventops":
                    target = node.module.split(".")[1:]
                else:
                    continue
                # `from . import services` names modules, not attributes
                names = [target + [alias.name] for alias in node.names] if not node.module or node.level else [target]
                for name in names:
                    yield ".".join(parts), ".".join(name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "eventops":
                        yield ".".join(parts), ".".join(alias.name.split(".")[1:])


def _package(module: str) -> str:
    return module.split(".")[0] if module else ""


def package_graph() -> dict[str, set[str]]:
    graph = defaultdict(set)
    for source, target in _imports():
        a, b = _package(source), _package(target)
        if a and b and a != b:
            graph[a].add(b)
    return graph


def _cycle(graph):
    """One cycle of the graph as a list of packages, or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_cycle_between_domain_packages():
    cycle = _cycle(package_graph())
    assert cycle is None, "imports run back up the layers: " + " -> ".join(cycle)


def test_the_cycle_finder_finds_cycles():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}}) is None


def test_core_imports_no_domain():
    assert package_graph().get("core", set()) <= {"extensions", "config"}


def test_no_views_module_imports_another_domains_views():
    offenders = []
    for source, target in _imports():
        if "views" in source.split(".")[-1] and target.split(".")[-1].startswith("views") \
                and _package(source) != _package(target) and _package(target) != "core":
            offenders.append(f"{source} imports {target}")
    assert not offenders, offenders
