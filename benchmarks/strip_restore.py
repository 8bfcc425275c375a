"""Strip every Python logging call from a torchvision tree, run --fix, compare.

    python benchmarks/strip_restore.py --tree benchmarks/.work/torchvision-0.29.2/torchvision

Prints how many entry points were restored, every event that came back
differently from the original (with the rule that explains it), and the time
the fix took. The tree is copied to a temporary folder; the original is not touched.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.strip import logged_events, strip_logging  # noqa: E402
from tvusage_lint.core.config import Settings  # noqa: E402
from tvusage_lint.core.entries import INHERITED, LOGGED, MISSING  # noqa: E402
from tvusage_lint.engine import Engine  # noqa: E402
from tvusage_lint.fix.apply import fix_until_stable  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", required=True, help="a torchvision/ package folder")
    parser.add_argument("--unsafe", action="store_true", help="also apply unsafe fixes")
    args = parser.parse_args()
    source = Path(args.tree).resolve()
    if not (source / "__init__.py").is_file():
        print(f"strip_restore: {source} is not a package folder (no __init__.py)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / source.name
        shutil.copytree(source, tree, ignore=shutil.ignore_patterns("*.so", "*.pyc", "csrc"))
        engine = Engine(Settings())
        original = engine.run([str(tree)])
        events = logged_events(original.index)
        covered = {e.symbol for e in original.entries if e.status in (LOGGED, INHERITED)}
        stripped_files = 0
        for path in tree.rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            new = strip_logging(text)
            if new != text:
                path.write_text(new, encoding="utf-8")
                stripped_files += 1
        stripped = engine.run([str(tree)])
        missing = {e.symbol for e in stripped.entries if e.status == MISSING}
        start = time.perf_counter()
        restored, outcome = fix_until_stable(engine, [str(tree)], unsafe=args.unsafe)
        took = time.perf_counter() - start
        after = logged_events(restored.index)
        now_covered = {e.symbol for e in restored.entries if e.status in (LOGGED, INHERITED)}
        print(f"tree: {source}")
        print(f"original: {len(events)} events logged, {len(covered)} entry points covered")
        print(f"stripped: {stripped_files} files, {len(missing)} entry points missing")
        print(
            f"fixed: {len(outcome.changed)} files in {took:.2f} s; "
            f"{len(missing & now_covered)} of {len(missing)} entry points restored"
        )
        # At run time ``_log_api_usage_once(self)`` logs the instance's class, so the
        # events a tree logs are the events of its covered entry points.
        print(
            f"runtime events (covered entry points): {len(covered)} before, "
            f"{len(now_covered)} after, {len(covered & now_covered)} in both"
        )
        for symbol in sorted(covered - now_covered):
            print(f"  no longer logged: {symbol}")
        for symbol in sorted(now_covered - covered):
            print(f"  newly logged: {symbol}")
        print(
            f"call sites: {len(events)} before, {len(after)} after, {len(events & after)} identical"
        )
        for event in sorted(events - after):
            print(f"  call site not restored: {event}")
        for event in sorted(after - events):
            print(f"  new call site: {event}")
        print("findings left:")
        for finding in restored.findings:
            print(f"  {finding.path}:{finding.line}: {finding.code} {finding.message}")
        for message in outcome.messages:
            print(f"  fixer: {message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
