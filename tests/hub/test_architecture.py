"""Services own the whole unit of work (issue 12): a resolver calls the service and maps its
errors to userErrors. No GraphQL module under hub/ records a change (`touch`, `touch_many`,
`record_change`) or writes audit rows, and no mutation resolver checks the caller's powers by
hand: scopes are declared (hub/api/permissions.py) and the acting principal is handed to the
service as it is."""

from __future__ import annotations

import ast
from pathlib import Path

HUB = Path(__file__).resolve().parents[2] / "hub"

# Recording a change on a profile: the service that made it does that.
CHANGE_CALLS = frozenset({"touch", "touch_many", "record_change"})
# hub.audit: reading the log is fine, writing it is the services' (and, for agents'
# reads in queries, Context.audit_read's).
AUDIT_READS = frozenset({"entries"})
# What a mutation resolver may take from the principal: who to put on record.
PRINCIPAL_ALLOWED = frozenset({"actor"})


def resolver_modules(root: Path = HUB) -> list[Path]:
    """Every module under hub/ that defines GraphQL types or resolvers (imports strawberry)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(n == "strawberry" or n.startswith("strawberry.") for n in names):
                found.append(path)
                break
    return found


def _called(node: ast.Call) -> tuple[str | None, str]:
    """(the object's name, the function's name) of a call: `audit.record(…)` → (audit, record)."""
    func = node.func
    if isinstance(func, ast.Name):
        return None, func.id
    if isinstance(func, ast.Attribute):
        owner = func.value
        if isinstance(owner, ast.Name):
            return owner.id, func.attr
        if isinstance(owner, ast.Attribute):
            return owner.attr, func.attr
        return None, func.attr
    return None, ""


def _audit_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Names the module binds to hub.audit, and to its functions."""
    modules, functions = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "hub":
            modules |= {a.asname or a.name for a in node.names if a.name == "audit"}
        elif isinstance(node, ast.ImportFrom) and node.module == "hub.audit":
            functions |= {a.asname or a.name for a in node.names if a.name not in AUDIT_READS}
        elif isinstance(node, ast.Import):
            modules |= {a.asname or a.name for a in node.names if a.name == "hub.audit"}
    return modules, functions


def _is_mutation(node: ast.AST) -> bool:
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr == "mutation":
            return True
    return False


def _principal_reads(function: ast.AST) -> list[ast.Attribute]:
    """`….principal.<attr>` or `principal.<attr>` read inside a resolver."""
    reads = []
    for node in ast.walk(function):
        if not isinstance(node, ast.Attribute) or node.attr in PRINCIPAL_ALLOWED:
            continue
        owner = node.value
        named = (isinstance(owner, ast.Name) and owner.id == "principal") or (
            isinstance(owner, ast.Attribute) and owner.attr == "principal"
        )
        if named:
            reads.append(node)
    return reads


def offences(root: Path = HUB) -> list[str]:
    found = []
    for path in resolver_modules(root):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(root.parent)
        audit_modules, audit_functions = _audit_names(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                owner, name = _called(node)
                if name in CHANGE_CALLS:
                    found.append(f"{where}:{node.lineno} records a change ({name})")
                elif (owner in audit_modules and name not in AUDIT_READS) or (
                    owner is None and name in audit_functions
                ):
                    found.append(f"{where}:{node.lineno} writes the audit log ({name})")
            if not _is_mutation(node):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call):
                    owner, name = _called(inner)
                    if name == "audit_read":
                        found.append(
                            f"{where}:{inner.lineno} audits outside the mutation's service"
                        )
                    elif name == "can":
                        found.append(f"{where}:{inner.lineno} checks a scope by hand")
            for read in _principal_reads(node):
                found.append(f"{where}:{read.lineno} checks the principal by hand ({read.attr})")
    return found


def test_resolver_modules_are_found() -> None:
    names = {str(p.relative_to(HUB)) for p in resolver_modules()}
    assert {"preferences/schema.py", "privacy/ledger_schema.py", "profile360/types.py"} <= names
    assert "events/resolvers.py" not in names  # event-type resolvers, not GraphQL ones


def test_resolvers_leave_the_unit_of_work_to_services() -> None:
    assert offences() == []


def test_the_scan_sees_each_kind_of_offence(tmp_path: Path) -> None:
    module = tmp_path / "hub" / "shop" / "schema.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "import strawberry\n"
        "from hub import audit\n"
        "from hub.profiles import service as profiles\n"
        "@strawberry.type\n"
        "class M:\n"
        "    @strawberry.mutation\n"
        "    async def m(self, info) -> None:\n"
        "        ctx = info.context\n"
        "        if not ctx.can('x') or ctx.principal.token_id is None:\n"
        "            return None\n"
        "        await profiles.touch(None, None, 'WEB', 'K', 's')\n"
        "        audit.record(None, actor=ctx.principal.actor)\n"
        "        await ctx.audit_read('p', 'read')\n"
        "        await audit.entries(None, None, 5)\n",
        encoding="utf-8",
    )
    found = offences(tmp_path / "hub")
    assert sorted(f.split(" ", 1)[1] for f in found) == [
        "audits outside the mutation's service",
        "checks a scope by hand",
        "checks the principal by hand (token_id)",
        "records a change (touch)",
        "writes the audit log (record)",
    ], found
