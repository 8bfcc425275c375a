"""Download a torchvision wheel and unzip its ``torchvision/`` package for the benchmarks.

    python benchmarks/fetch_torchvision.py 0.29.2
    python benchmarks/fetch_torchvision.py 0.29.2 --csrc /path/to/vision   # add C++ csrc
    python benchmarks/fetch_torchvision.py 0.11.1 --python-version 3.9 --platform manylinux1_x86_64

The result is ``benchmarks/.work/torchvision-X/torchvision/`` (gitignored); pass that
folder to ``bench.py --tree``. Wheels carry no C++ sources, so ``--csrc DIR`` copies the
C++ files of a source checkout (DIR may be the checkout, its ``torchvision/`` or the
``csrc`` folder itself) into ``torchvision/csrc/``.

pip runs with ``PIP_CONFIG_FILE=/dev/null`` unless that variable is already set, so a
machine-wide pip config (constraints capping the torchvision version, local indexes)
does not change which release is downloaded. Re-running with the same version reuses
the tree; ``--force`` fetches it again.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
CPP_SUFFIXES = {".cpp", ".cc", ".cxx", ".c", ".h", ".hpp", ".hh", ".cu", ".cuh", ".mm", ".m"}
DEFAULT_PLATFORMS = ["manylinux_2_28_x86_64", "manylinux2014_x86_64", "manylinux1_x86_64"]


class Failure(Exception):
    """One line for the user, no traceback."""


def download(version: str, python_version: str, platforms: list[str], dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob(f"torchvision-{version}-*.whl"):
        return old
    env = dict(os.environ)
    env.setdefault("PIP_CONFIG_FILE", os.devnull)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:"]
    cmd += ["--python-version", python_version, "--dest", str(dest)]
    for platform in platforms:
        cmd += ["--platform", platform]
    cmd.append(f"torchvision=={version}")
    print("fetch:", " ".join(cmd), file=sys.stderr)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise Failure(
            f"pip download torchvision=={version} failed: {last} "
            f"(try --python-version/--platform, e.g. 3.9 and manylinux1_x86_64 for 0.11)"
        )
    wheels = sorted(dest.glob(f"torchvision-{version}-*.whl"))
    if not wheels:
        raise Failure(f"pip download succeeded but no torchvision-{version} wheel is in {dest}")
    return wheels[0]


def unzip_package(wheel: Path, target: Path) -> int:
    """Extract ``torchvision/`` from the wheel into ``target`` (the parent folder)."""
    count = 0
    try:
        with zipfile.ZipFile(wheel) as archive:
            for info in archive.infolist():
                name = info.filename
                if not name.startswith("torchvision/") or info.is_dir():
                    continue
                if ".." in Path(name).parts or name.startswith("/"):
                    raise Failure(f"{wheel.name}: unsafe path in archive: {name}")
                archive.extract(info, target)
                count += 1
    except zipfile.BadZipFile as exc:
        raise Failure(f"{wheel}: not a wheel ({exc}); delete it and retry") from None
    if count == 0:
        raise Failure(f"{wheel.name} has no torchvision/ package")
    return count


def find_csrc(folder: Path) -> Path:
    for candidate in (folder / "torchvision" / "csrc", folder / "csrc", folder):
        if candidate.is_dir() and any(
            p.suffix in CPP_SUFFIXES for p in candidate.rglob("*") if p.is_file()
        ):
            return candidate
    raise Failure(f"--csrc {folder}: no C++ sources (looked in torchvision/csrc, csrc, itself)")


def copy_csrc(source: Path, package: Path) -> int:
    dest = package / "csrc"
    count = 0
    for path in sorted(source.rglob("*")):
        if path.is_file() and path.suffix in CPP_SUFFIXES:
            out = dest / path.relative_to(source)
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, out)
            count += 1
    return count


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("version", help="torchvision release, e.g. 0.29.2")
    parser.add_argument(
        "--csrc", type=Path, help="source checkout (or csrc folder) to copy C++ from"
    )
    parser.add_argument("--python-version", default="3.11", help="wheel's Python (default 3.11)")
    parser.add_argument(
        "--platform",
        action="append",
        help=f"wheel platform tag, repeatable (default: {' '.join(DEFAULT_PLATFORMS)})",
    )
    parser.add_argument("--force", action="store_true", help="download and unzip again")
    args = parser.parse_args(argv)

    base = WORK / f"torchvision-{args.version}"
    package = base / "torchvision"
    wheels = WORK / "wheels"
    if args.force:
        shutil.rmtree(base, ignore_errors=True)
        for old in wheels.glob(f"torchvision-{args.version}-*.whl"):
            old.unlink()
    if not (package / "__init__.py").is_file():
        wheel = download(
            args.version, args.python_version, args.platform or DEFAULT_PLATFORMS, wheels
        )
        shutil.rmtree(base, ignore_errors=True)
        files = unzip_package(wheel, base)
        info = {"version": args.version, "wheel": wheel.name, "sha256": sha256(wheel)}
        print(f"fetch: unzipped {files} files of {wheel.name}", file=sys.stderr)
    else:
        info = (
            json.loads((base / "SOURCE.json").read_text())
            if (base / "SOURCE.json").is_file()
            else {}
        )
        print(f"fetch: {package} already there (--force to fetch again)", file=sys.stderr)
    if args.csrc is not None:
        if not args.csrc.is_dir():
            raise Failure(f"--csrc {args.csrc}: no such folder")
        source = find_csrc(args.csrc.resolve())
        shutil.rmtree(package / "csrc", ignore_errors=True)
        files = copy_csrc(source, package)
        info["csrc"] = {"from": str(source), "files": files}
        print(f"fetch: copied {files} C++ files from {source}", file=sys.stderr)
    (base / "SOURCE.json").write_text(json.dumps(info, indent=2) + "\n")
    print(package)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failure as exc:
        print(f"fetch_torchvision: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
