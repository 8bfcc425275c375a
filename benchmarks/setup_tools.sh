#!/usr/bin/env bash
# Create one venv per compared tool under benchmarks/.venvs/, each pinned.
# Idempotent: a venv whose tool already reports the pinned version is kept.
#
#   bash benchmarks/setup_tools.sh            # all tools
#   bash benchmarks/setup_tools.sh ruff fixit # some of them
#
# Uses the ordinary PyPI client (pip). PYTHON picks the interpreter (default python3).
set -euo pipefail

RUFF_VERSION=0.17.6
FIXIT_VERSION=2.2.1
TORCHFIX_VERSION=0.7.0

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venvs="$here/.venvs"
python="${PYTHON:-python3}"

die() { echo "setup_tools: $*" >&2; exit 1; }
command -v "$python" >/dev/null 2>&1 || die "no Python interpreter '$python' (set PYTHON=...)"
"$python" -c 'import venv' 2>/dev/null || die "'$python' has no venv module (apt-get install python3-venv)"

# name -> "pip requirement|version command|expected version substring"
spec() {
    case "$1" in
        ruff) echo "ruff==$RUFF_VERSION|ruff --version|$RUFF_VERSION" ;;
        fixit) echo "fixit==$FIXIT_VERSION|fixit --version|$FIXIT_VERSION" ;;
        torchfix) echo "torchfix==$TORCHFIX_VERSION|python -m pip show torchfix|Version: $TORCHFIX_VERSION" ;;
    esac
}

# reports WANT CMD...: CMD's output contains WANT
reports() {
    local want="$1" out
    shift
    out="$("$@" 2>/dev/null)" || return 1
    [[ "$out" == *"$want"* ]]
}

tools=("$@")
[ ${#tools[@]} -eq 0 ] && tools=(ruff fixit torchfix)

for tool in "${tools[@]}"; do
    case "$tool" in ruff | fixit | torchfix) ;; *) die "unknown tool '$tool' (known: ruff fixit torchfix)" ;; esac
done

mkdir -p "$venvs"
for tool in "${tools[@]}"; do
    IFS='|' read -r req check want <<<"$(spec "$tool")"
    venv="$venvs/$tool"
    read -r -a cmd <<<"$check"
    if [ -x "$venv/bin/${cmd[0]}" ] && reports "$want" "$venv/bin/${cmd[0]}" "${cmd[@]:1}"; then
        echo "setup_tools: $tool: $req already in $venv"
        continue
    fi
    echo "setup_tools: $tool: installing $req into $venv"
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv" || die "$tool: cannot create $venv"
    log="$venvs/$tool.pip.log"
    "$venv/bin/python" -m pip install --disable-pip-version-check "$req" >"$log" 2>&1 \
        || die "$tool: pip install $req failed (see $log)"
    reports "$want" "$venv/bin/${cmd[0]}" "${cmd[@]:1}" \
        || die "$tool: installed, but '$check' does not report $want"
done
echo "setup_tools: ready: ${tools[*]} in $venvs"
