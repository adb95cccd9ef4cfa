"""The hub's import graph by package: which packages import which (every import, lazy ones inside
functions too), and the cycles among them (strongly connected components).

Usage: .venv/bin/python scripts/import_cycles.py [--edges]
The measure for issue 12 (one direction of dependencies): there is none any more, and the
script exits 1 when one comes back (scripts/test runs it). The order the packages stand in is
stated by the layers contract in pyproject.toml ([tool.importlinter], `lint-imports`).
"""

from __future__ import annotations

import argparse
import sys

import grimp


def package_graph(package: str = "hub") -> dict[str, set[str]]:
    graph = grimp.build_graph(package, include_external_packages=False)
    packages = sorted(
        child.split(".")[1]
        for child in graph.find_children(package)
        if graph.find_children(child)  # a package, not a module
    )
    return {
        a: {
            b
            for b in packages
            if a != b
            and graph.chain_exists(
                importer=f"{package}.{a}", imported=f"{package}.{b}", as_packages=True
            )
        }
        for a in packages
    }


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one package (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--edges", action="store_true", help="print every package → package")
    args = parser.parse_args()
    edges = package_graph()
    if args.edges:
        for a, targets in edges.items():
            print(f"{a} → {', '.join(sorted(targets)) or '(nothing)'}")
    total = sum(len(t) for t in edges.values())
    found = cycles(edges)
    print(f"{len(edges)} packages, {total} package → package imports, {len(found)} cycle(s)")
    for component in found:
        print(f"  cycle through {len(component)} packages: {', '.join(component)}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
