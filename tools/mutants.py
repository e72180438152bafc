"""Plant realistic bugs one at a time and check that the tests catch each: run before a release.

Each mutant in :data:`MUTANTS` is a bug a person could write: a wrong bound, a dropped table row, a weakened
redaction, a HMAC line out of order. The tool copies the repository to a temporary directory (the working
tree is never modified), checks that the chosen test files pass there unmutated, then for each mutant
replaces its text (which must occur exactly once, so a mutant that no longer matches the code is reported,
not silently skipped), runs *its* test files (``pytest -x``: the first failure is enough) and restores the
file. A mutant the tests fail on is *caught*; one they pass with *survived*: a test is missing. It prints
each mutant's verdict and the failing line that caught it, then the score.

Usage (from the repository root, with the project's venv)::

    .venv/bin/python tools/mutants.py                 # every mutant (about 3 minutes on 2 cores)
    .venv/bin/python tools/mutants.py -k redact rate  # only mutants whose name contains a word
    .venv/bin/python tools/mutants.py --list          # the table, without running anything

Not part of CI and not collected by pytest (``testpaths`` is ``tests``): a run takes minutes, and its answer
is a judgement on the tests, not a pass/fail of the code. Add a mutant whenever a bug got past the tests.
Exit status: 0 when every mutant was caught, 1 when one survived, 2 when the tool could not run one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
PER_MUTANT_TIMEOUT = 300.0

PINNED = "tests/test_pinned_behaviours.py"
TABLES = "tests/test_tables_from_docs.py"
MODEL = "tests/test_model.py"
CLIENT = ("tests/test_client.py", "tests/test_client_hmac_failover.py")


class Mutant(NamedTuple):
    name: str
    file: str
    edits: tuple[tuple[str, str], ...]  # (old text, new text), each old text exactly once in the file
    breaks: str
    tests: tuple[str, ...]


def _m(name: str, file: str, old: str, new: str, breaks: str, *tests: str) -> Mutant:
    return Mutant(name, file, ((old, new),), breaks, tests)


MUTANTS: tuple[Mutant, ...] = (
    # --- the twelve behaviours of issue 23 ---------------------------------------------------------------
    _m("s3-bucket-64", "agora_pulumi/rules.py",
       "3 <= len(bucket) <= 63\n            and _S3_BUCKET", "3 <= len(bucket) <= 64\n            and _S3_BUCKET",
       "an S3 bucket name of 64 characters is accepted", PINNED, MODEL),
    _m("s3-bucket-dotdot", "agora_pulumi/rules.py", '            and ".." not in bucket\n', "",
       "an S3 bucket name with '..' is accepted", PINNED, MODEL),
    _m("entry-point-dot", "agora_pulumi/rules.py", 'if name in (".", ".."):', 'if name == "..":',
       "entry point '.' is accepted (requests drops /./ from the URL)", PINNED, MODEL),
    _m("huawei-bucket-dotdot", "agora_pulumi/rules.py",
       'ok = ok and ".." not in bucket and ".-" not in bucket', 'ok = ok and ".-" not in bucket',
       "a Huawei OBS bucket with '..' is accepted on the custom API", PINNED),
    _m("kingsoft-moscow-na", "agora_pulumi/regions.py", '(8, "NA_Russia_1", "eu")', '(8, "NA_Russia_1", "na")',
       "Kingsoft NA_Russia_1 (Moscow) counts as North America", PINNED, TABLES),
    _m("regionless-refresh-keeps-region", "agora_pulumi/model.py",
       "vendors_without_region:\n            storage_region = None", "vendors_without_region:\n            pass",
       "a refresh of Azure/Google storage keeps the region Agora returns (spurious drift)", PINNED, MODEL),
    _m("body-keys-not-secrets", "agora_pulumi/client.py",
       "secrets = [self.config.customer_secret, *_secrets_in(body)]", "secrets = [self.config.customer_secret]",
       "an error echoing the PATCH body shows the storage keys", PINNED, *CLIENT),
    _m("redirect-followed", "agora_pulumi/client.py", "allow_redirects=False", "allow_redirects=True",
       "a 302/307 to a PATCH is followed (and may 'succeed' as a GET)", PINNED, *CLIENT),
    _m("redaction-piece-12", "agora_pulumi/errors.py", "PIECE = 8\n", "PIECE = 12\n",
       "8-character pieces of a secret pass redaction", PINNED, *CLIENT),
    _m("redaction-no-base64", "agora_pulumi/errors.py", '        base64.b64encode(raw).decode("ascii"),\n', "",
       "the base64 spelling of a secret passes redaction", PINNED, *CLIENT),
    _m("redaction-no-json-spelling", "agora_pulumi/errors.py", "        json.dumps(secret)[1:-1],\n", "",
       "a key echoed JSON-escaped (quotes, backslashes, non-ASCII) passes redaction", PINNED, *CLIENT),
    _m("rename-guard-legacy-only", "agora_pulumi/operations.py",
       "_claim((kind.name, setting.id))", '_claim(("legacy", setting.id))',
       "renaming a standard/custom setting without aliases disables it", PINNED),
    Mutant("rename-guard-by-id", "agora_pulumi/operations.py",
           (("_claim((kind.name, setting.id))", '_claim(("", setting.id))'),
            ("return (kind.name, identity.id) in _WRITTEN", 'return ("", identity.id) in _WRITTEN')),
           "a legacy and a standard setting with one id are one setting to the rename guard", (PINNED,)),
    _m("rate-margin-halves", "agora_pulumi/ratelimit.py", "ARRIVAL_MARGIN = 0.1\n", "ARRIVAL_MARGIN = 1.0\n",
       "the shared limiter sustains about 25/s instead of about 45/s", PINNED, "tests/test_ratelimit.py"),
    # --- tables and bounds from the docs ---------------------------------------------------------------
    _m("interval-min-6", "agora_pulumi/regions.py", "MIN_INTERVAL = 5\n", "MIN_INTERVAL = 6\n",
       "snapshotInterval 5 is refused", TABLES, MODEL),
    _m("interval-max-299", "agora_pulumi/regions.py", "MAX_INTERVAL = 300\n", "MAX_INTERVAL = 299\n",
       "snapshotInterval 300 is refused", TABLES, MODEL),
    _m("interval-default-30", "agora_pulumi/regions.py", "DEFAULT_INTERVAL = 10\n", "DEFAULT_INTERVAL = 30\n",
       "an omitted interval converges to 30, not the documented 10", TABLES, MODEL),
    _m("aliyun-row-dropped", "agora_pulumi/regions.py", '        (13, "AP_Southeast_5", "ap"),\n', "",
       "Aliyun region 13 (AP_Southeast_5) is refused", TABLES, MODEL),
    _m("seed-s3-18-added", "agora_pulumi/regions.py",
       '(17, "US_GOV_WEST_1", "na"),\n', '(17, "US_GOV_WEST_1", "na"),\n        (18, "AF_SOUTH_1", None),\n',
       "the seed API accepts S3 region 18, which its doc does not list", TABLES, MODEL),
    _m("current-s3-gov-kept", "agora_pulumi/regions.py", "drop=(17, 23),", "drop=(23,),",
       "the custom API accepts S3 17 (US_GOV_WEST_1), which the current reference dropped", TABLES),
    _m("hongkong-mainland", "agora_pulumi/regions.py", '(7, "CN_Hongkong", "ap")', '(7, "CN_Hongkong", "cn")',
       "Aliyun Hong Kong counts as mainland China", TABLES),
    _m("huawei-mexico-none", "agora_pulumi/regions.py", '(12, "NA_Mexico_1", "na")', '(12, "NA_Mexico_1", None)',
       "Huawei NA_Mexico_1 lies in no push region", TABLES, "tests/test_regions_current.py"),
    _m("google-takes-region", "agora_pulumi/regions.py",
       "{CurrentVendor.AZURE, CurrentVendor.GOOGLE_CLOUD}", "{CurrentVendor.AZURE}",
       "Google Cloud storage is treated as taking a region", TABLES, "tests/test_regions_current.py"),
    _m("body-key-misspelt", "agora_pulumi/model.py", "secretKey=self.secret_key", "secret_key=self.secret_key",
       "the PATCH body carries 'secret_key' instead of 'secretKey'", TABLES, MODEL),
    _m("push-region-case", "agora_pulumi/rules.py",
       "isinstance(value, str) and value.strip().lower() in PUSH_REGIONS", "isinstance(value, str) and value in PUSH_REGIONS",
       "push region 'CN' is refused", MODEL),
    _m("azure-double-hyphen", "agora_pulumi/rules.py",
       'if ok and vendor_ == Vendor.AZURE and "--" in bucket:', "if False:",
       "an Azure container name with '--' is accepted", MODEL, "tests/test_hostile_input.py"),
    # --- signing, retries, redaction --------------------------------------------------------------------
    _m("hmac-lines-swapped", "agora_pulumi/signing.py",
       'f"host: {host}",\n            f"date: {date}",', 'f"date: {date}",\n            f"host: {host}",',
       "the HMAC signing string has date before host", "tests/test_signing.py"),
    _m("digest-of-nothing", "agora_pulumi/signing.py", "hashlib.sha256(body)", 'hashlib.sha256(b"")',
       "the Digest is of the empty body whatever was sent", "tests/test_signing.py"),
    _m("retry-on-400", "agora_pulumi/client.py",
       "RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})", "RETRY_STATUSES = frozenset({400, 429, 500, 502, 503, 504})",
       "a 400 is retried (and fails over)", *CLIENT),
    Mutant("failover-on-401", "agora_pulumi/client.py",
           (("status_forcelist=RETRY_STATUSES,", "status_forcelist=RETRY_STATUSES | {401},"),
            ("if status in RETRY_STATUSES and retry.is_retry(", "if status in RETRY_STATUSES | {401} and retry.is_retry(")),
           "a 401 is retried on the next endpoint", CLIENT),
    _m("patch-not-retried", "agora_pulumi/client.py",
       'allowed_methods=frozenset({"GET", "PATCH"})', 'allowed_methods=frozenset({"GET"})',
       "a PATCH is not retried after a 503", *CLIENT),
    _m("retry-after-uncapped", "agora_pulumi/client.py", "return min(seconds, self.max_retry_after)", "return seconds",
       "a server's Retry-After of an hour holds `pulumi up` for an hour", *CLIENT),
    _m("redact-long-secrets-only", "agora_pulumi/errors.py", "if s and len(s) >= 4}", "if s and len(s) >= 40}",
       "a whole secret in a transport error is not replaced", *CLIENT, "tests/test_hostile_network.py"),
    _m("custom-path-typo", "agora_pulumi/kinds.py", '"CustomSnapshotSetting", "snapshot/custom"',
       '"CustomSnapshotSetting", "snapshot/customs"', "CustomSnapshotSetting talks to a path Agora does not serve",
       "tests/test_kinds_protocol.py"),
    _m("delete-of-gone-fails", "agora_pulumi/operations.py", "    except NotFoundError:\n        return False  # the entry",
       "    except NotFoundError:\n        raise  # the entry",
       "destroying a setting whose entry point was deleted in the console fails", "tests/test_provider_protocol.py"),
    _m("identity-change-in-place", "agora_pulumi/model.py",
       "replaces = [key for key in changed if key in IDENTITY_PROPS]", "replaces: list[str] = []",
       "changing appId/entryPoint/region updates in place, leaving the old setting enabled", MODEL),
    _m("rate-doubled", "agora_pulumi/ratelimit.py",
       "self._window = self._burst / self._per_second + margin",
       "self._window = self._burst / (2 * self._per_second) + margin",
       "the limiter lets twice the rate through", "tests/test_ratelimit.py"),
    _m("masked-key-read-back", "agora_pulumi/model.py", 'r"\\*{3,}"', 'r"\\*{30,}"',
       "a masked key read back ('ab***yz') replaces the known key in state", MODEL),
    _m("404-not-gone", "agora_pulumi/errors.py", "    404: NotFoundError,\n", "",
       "a 404 on refresh is an error instead of 'the setting is gone'", *CLIENT),
)


def _copy(dest: Path) -> None:
    """The repository without its venv, VCS data and caches."""
    shutil.copytree(
        ROOT, dest,
        ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info", ".mypy_cache", ".ruff_cache",
                                      ".pytest_cache", "build", "dist"),
    )


def _env(copy: Path) -> dict[str, str]:
    """The copy first on the path (for pytest and for the provider processes the tests start)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGORA_")}
    env["PYTHONPATH"] = str(copy)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _pytest(copy: Path, tests: Sequence[str], first_failure: bool) -> tuple[int, str, float]:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-header", *tests]
    if first_failure:
        command.insert(4, "-x")
    start = time.monotonic()
    try:
        done = subprocess.run(command, cwd=copy, env=_env(copy), capture_output=True, text=True,
                              timeout=PER_MUTANT_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return -1, f"timed out after {PER_MUTANT_TIMEOUT:.0f} s", time.monotonic() - start
    return done.returncode, done.stdout + done.stderr, time.monotonic() - start


def _evidence(output: str) -> str:
    """The first failing test and the first assertion line pytest printed for it."""
    failed = next((line[len("FAILED "):] for line in output.splitlines() if line.startswith("FAILED ")), None)
    error = next((line.strip() for line in output.splitlines() if line.startswith("E ")), None)
    if failed is None:
        failed = next((line for line in output.splitlines() if line.startswith("_")), "?").strip("_ ")
    evidence = f"{failed.split(' - ')[0]}  {error or ''}".strip()
    return evidence if len(evidence) <= 300 else evidence[:297] + "..."


def _apply(path: Path, edits: Sequence[tuple[str, str]]) -> Optional[str]:
    """Apply the edits; the reason when an old text does not occur exactly once (the mutant is stale)."""
    text = path.read_text(encoding="utf-8")
    for old, new in edits:
        count = text.count(old)
        if count != 1:
            return f"{old!r} occurs {count} times in {path.name}: update the mutant"
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return None


def run(mutants: Sequence[Mutant]) -> int:
    with tempfile.TemporaryDirectory(prefix="agora-mutants-") as tmp:
        copy = Path(tmp) / "repo"
        _copy(copy)
        probe = subprocess.run([sys.executable, "-c", "import agora_pulumi; print(agora_pulumi.__file__)"],
                               cwd=copy, env=_env(copy), capture_output=True, text=True, check=True)
        if not Path(probe.stdout.strip()).resolve().is_relative_to(copy.resolve()):
            print(f"the copy is not what Python imports ({probe.stdout.strip()}): cannot run", file=sys.stderr)
            return 2
        files = sorted({t for m in mutants for t in m.tests})
        code, output, seconds = _pytest(copy, files, first_failure=False)
        if code != 0:
            print(f"the unmutated tests fail ({seconds:.0f} s); fix them first:\n{output[-3000:]}", file=sys.stderr)
            return 2
        print(f"baseline: {len(files)} test files pass unmutated ({seconds:.0f} s)\n")
        caught = survived = broken = 0
        for mutant in mutants:
            path = copy / mutant.file
            original = path.read_text(encoding="utf-8")
            stale = _apply(path, mutant.edits)
            if stale is not None:
                broken += 1
                print(f"ERROR     {mutant.name}: {stale}")
                continue
            try:
                code, output, seconds = _pytest(copy, mutant.tests, first_failure=True)
            finally:
                path.write_text(original, encoding="utf-8")
            if code == 1:
                caught += 1
                print(f"caught    {mutant.name} ({seconds:.0f} s): {mutant.breaks}\n          by {_evidence(output)}")
            elif code == 0:
                survived += 1
                print(f"SURVIVED  {mutant.name} ({seconds:.0f} s): {mutant.breaks}; tests: {' '.join(mutant.tests)}")
            else:
                broken += 1
                print(f"ERROR     {mutant.name}: pytest exited {code}:\n{output[-1500:]}")
        total = caught + survived
        score = 100.0 * caught / total if total else 0.0
        print(f"\nmutation score: {caught}/{total} caught ({score:.0f}%), {survived} survived, {broken} not run")
        return 2 if broken else (1 if survived else 0)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("-k", nargs="+", default=[], metavar="WORD", help="only mutants whose name contains a word")
    parser.add_argument("--list", action="store_true", help="print the mutants and exit")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if not args.k or any(word in m.name for word in args.k)]
    if args.list:
        for m in chosen:
            print(f"{m.name:34} {m.file:28} {m.breaks}  [{' '.join(m.tests)}]")
        return 0
    if not chosen:
        print("no mutant matches", file=sys.stderr)
        return 2
    return run(chosen)


if __name__ == "__main__":
    sys.exit(main())
