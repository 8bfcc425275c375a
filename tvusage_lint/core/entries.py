"""Entry points: what the policy says must log, and whether it does.

These rows are the coverage report (``tvusage-lint coverage``) and its JSON
contract; the rules turn the ``missing`` ones into findings.
"""

from __future__ import annotations

from dataclasses import dataclass

LOGGED = "logged"
INHERITED = "inherited"
MISSING = "missing"
EXEMPT = "exempt"
CALLER = "caller"  # an operator recorded by the Python function that calls it (``via``)

KIND_CLASS = "class"
KIND_FUNCTION = "function"
KIND_CPP = "cpp"
KIND_OPERATOR = "operator"  # a registered C++ operator, ``torchvision::roi_align`` (link/)


@dataclass(frozen=True)
class Entry:
    symbol: str  # qualified name (Python) or qualified C++ name
    kind: str  # KIND_CLASS / KIND_FUNCTION / KIND_CPP / KIND_OPERATOR
    subpackage: str  # "models", "ops", ... ("csrc" scope for C++ is its subfolder: "ops", "io")
    path: str
    line: int
    status: str
    via: str  # the class/dispatcher/Python caller that covers it, or why it is exempt
    event: str
    emits: str = ""  # C++: the literal the macro emits when it is not ``event`` (TVU302)

    def to_json(self) -> dict[str, object]:
        return {
            "symbol": self.symbol,
            "kind": self.kind,
            "subpackage": self.subpackage,
            "path": self.path,
            "line": self.line,
            "status": self.status,
            "via": self.via or None,
            "event": self.event,
        }
