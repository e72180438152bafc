#!/usr/bin/env bash
# The main job: deploy the "dev" stack (stacks/Pulumi.dev.yaml) against a local Agora FLS emulator.
#
#   bash stacks/up-dev.sh [extra `pulumi up` arguments, e.g. --diff or --refresh]
#
# Runs from any directory. Steps, one output line each:
#   1. require the Pulumi CLI (exit 127 with install instructions, before anything is created or started);
#   2. create .venv if missing and `pip install -e .` into it (skipped while pyproject.toml is unchanged);
#   3. start the emulator on 127.0.0.1:8787 with --auth hmac (every request must be HMAC-signed, as the current
#      Agora reference requires) and --db .emulator/dev.sqlite, so its data survives between
#      runs and agrees with the Pulumi state, and wait for its "listening on" line;
#   4. select (or create) the "dev" stack and run `pulumi up --yes --stack dev "$@"`, with a file backend in
#      .pulumi-state/ and the documented EMPTY passphrase, set for this run only (no `pulumi login`);
#   5. stop the emulator on exit, Ctrl-C included, and leave the tracked stacks/Pulumi.dev.yaml as committed
#      (Pulumi's `encryptionsalt:` line is kept in .pulumi-state/dev.encryptionsalt and put back for each run).
#
# Environment knobs: EMULATOR_START_TIMEOUT (seconds, default 30), PYTHON (default python3, used only to
# create .venv).
set -euo pipefail

# No external command may run before the Pulumi check: the test for a missing CLI runs this script with a
# PATH holding python3 only, and it must get exit 127 without creating or starting anything.
script_dir=${BASH_SOURCE[0]%/*}
[[ "$script_dir" == "${BASH_SOURCE[0]}" ]] && script_dir=.
REPO=$(cd "$script_dir/.." && pwd)
cd "$REPO"

step() { printf '==> %s\n' "$*"; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

step "checking for the Pulumi CLI"
if ! command -v pulumi >/dev/null 2>&1; then
    printf '%s\n' \
        "error: the Pulumi CLI is required but 'pulumi' is not on PATH." \
        "Install it, open a new shell, and run this script again:" \
        "  curl -fsSL https://get.pulumi.com | sh      # Linux, macOS" \
        "  brew install pulumi/tap/pulumi               # Homebrew" \
        "  other options: https://www.pulumi.com/docs/install/" \
        "Nothing was installed or started." >&2
    exit 127
fi

VENV_PY="$REPO/.venv/bin/python"
STAMP="$REPO/.venv/.agora-pulumi-installed"
if [[ ! -x "$VENV_PY" ]]; then
    step "creating .venv"
    py=${PYTHON:-python3}
    command -v "$py" >/dev/null 2>&1 || fail "$py is required to create .venv (install Python 3.9+ or set PYTHON)"
    "$py" -m venv "$REPO/.venv" || fail "'$py -m venv .venv' failed (on Debian/Ubuntu: apt install python3-venv)"
fi
if [[ -f "$STAMP" && ! "$REPO/pyproject.toml" -nt "$STAMP" ]]; then
    step "package already installed in .venv (pyproject.toml unchanged)"
else
    step "installing the package into .venv (pip install -e .)"
    "$VENV_PY" -m pip install --quiet --disable-pip-version-check -e "$REPO" || fail "pip install -e . failed"
    : >"$STAMP"
fi

# The tracked stacks/Pulumi.dev.yaml stays as committed: creating the stack makes Pulumi add an
# `encryptionsalt:` line to it (the passphrase secrets provider). The line is kept in .pulumi-state/ (with the
# state it belongs to), put back into the file for the run, and taken out again on exit, Ctrl-C included.
STACK_FILE="$REPO/stacks/Pulumi.dev.yaml"
SALT_FILE="$REPO/.pulumi-state/dev.encryptionsalt"
STACK_FILE_AS_COMMITTED=""
keep_stack_file() {
    [[ -f "$STACK_FILE" ]] || return 0
    STACK_FILE_AS_COMMITTED=$(mktemp)
    cp "$STACK_FILE" "$STACK_FILE_AS_COMMITTED"
    if [[ -f "$SALT_FILE" ]] && ! grep -q '^encryptionsalt:' "$STACK_FILE"; then
        cat "$SALT_FILE" >>"$STACK_FILE"
    fi
}
restore_stack_file() {
    [[ -n "$STACK_FILE_AS_COMMITTED" ]] || return 0
    if grep -q '^encryptionsalt:' "$STACK_FILE" 2>/dev/null && ! grep -q '^encryptionsalt:' "$STACK_FILE_AS_COMMITTED"; then
        mkdir -p "${SALT_FILE%/*}"
        grep '^encryptionsalt:' "$STACK_FILE" >"$SALT_FILE"
    fi
    cp "$STACK_FILE_AS_COMMITTED" "$STACK_FILE"
    rm -f "$STACK_FILE_AS_COMMITTED"
    STACK_FILE_AS_COMMITTED=""
}

EMULATOR_PID=""
stop_emulator() {
    [[ -n "$EMULATOR_PID" ]] || return 0
    if kill -0 "$EMULATOR_PID" 2>/dev/null; then
        step "stopping the emulator (pid $EMULATOR_PID)"
        kill -TERM "$EMULATOR_PID" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do  # up to 10 s for a clean shutdown, then force it
            kill -0 "$EMULATOR_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$EMULATOR_PID" 2>/dev/null || true
    fi
    wait "$EMULATOR_PID" 2>/dev/null || true
    EMULATOR_PID=""
}
trap 'stop_emulator; restore_stack_file' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$REPO/.emulator"
LOG="$REPO/.emulator/dev.log"
step "starting the emulator on 127.0.0.1:8787 (data: .emulator/dev.sqlite, log: .emulator/dev.log)"
# -u: the "listening on" line must reach the log now, not when a buffer fills.
"$VENV_PY" -u -m agora_pulumi.emulator --host 127.0.0.1 --port 8787 --auth hmac --db .emulator/dev.sqlite >"$LOG" 2>&1 &
EMULATOR_PID=$!

timeout=${EMULATOR_START_TIMEOUT:-30}
deadline=$((SECONDS + timeout))
until grep -q "listening on" "$LOG" 2>/dev/null; do
    if ! kill -0 "$EMULATOR_PID" 2>/dev/null; then
        wait "$EMULATOR_PID" 2>/dev/null || true
        EMULATOR_PID=""
        printf 'error: the emulator exited before it was ready (port 8787 already in use?). Its log:\n' >&2
        sed 's/^/    /' "$LOG" >&2 || true
        exit 1
    fi
    if ((SECONDS >= deadline)); then
        printf "error: the emulator printed no 'listening on' line within %ss (EMULATOR_START_TIMEOUT). Its log:\n" \
            "$timeout" >&2
        sed 's/^/    /' "$LOG" >&2 || true
        exit 1
    fi
    sleep 0.2
done
step "emulator ready: $(grep -m1 'listening on' "$LOG")"

# For this run only: a local file backend and the documented empty passphrase (dev secrets are demo data).
export PULUMI_BACKEND_URL="file://$REPO/.pulumi-state"
export PULUMI_CONFIG_PASSPHRASE=""
unset PULUMI_CONFIG_PASSPHRASE_FILE
mkdir -p "$REPO/.pulumi-state"
keep_stack_file

step "selecting stack dev (backend $PULUMI_BACKEND_URL, empty passphrase)"
if ! pulumi stack select dev --create --secrets-provider passphrase; then
    step "stack select failed; trying pulumi stack init dev"
    pulumi stack init dev --secrets-provider passphrase || fail "could not select or create the dev stack"
fi

step "running pulumi up --yes --stack dev${*:+ $*}"
status=0
# ${@+"$@"}: plain "$@" is an "unbound variable" under set -u in bash 3.2 (macOS's /bin/bash) when empty.
pulumi up --yes --stack dev ${@+"$@"} || status=$?
if ((status == 0)); then
    step "done: state in .pulumi-state/, emulator data in .emulator/dev.sqlite"
else
    printf 'error: pulumi up failed (exit %s); emulator log: .emulator/dev.log\n' "$status" >&2
fi
exit "$status"
