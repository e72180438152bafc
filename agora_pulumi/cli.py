"""``agora-pulumi`` / ``python -m agora_pulumi``: the package's command line.

Each subcommand is a function that adds its parser to the ``COMMANDS`` list's subparsers and sets
``handler`` (``args -> exit status``); adding one (say ``adopt``) means writing that function and appending it
to :data:`COMMANDS`. Handlers raise :class:`CommandError` for anything the user can fix: :func:`main` prints
its message (which names the fix) and exits 2, without a traceback. Subcommand modules are imported inside
the handlers, so ``--help`` and the other commands never import Pulumi.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

AddCommand = Callable[[Any], None]
"""Adds one subcommand to the subparsers it is given (typed ``Any``: argparse's action class is private)."""


class CommandError(Exception):
    """A request the command cannot carry out; the message is shown as is and should say what to do."""


def _policy_new(args: argparse.Namespace) -> int:
    from agora_pulumi.policy import scaffold

    try:
        written = scaffold.write_pack(Path(args.directory), force=args.force)
    except scaffold.PackError as err:
        raise CommandError(str(err)) from None
    shown = args.directory
    print(f"Wrote the {scaffold.PACK_NAME} policy pack to {written.directory}:")
    print(f"  PulumiPolicy.yaml   runs {written.python} (virtualenv: {written.virtualenv})")
    print(f"  __main__.py         serves the policies of agora-pulumi {written.agora_pulumi_version} installed there")
    print("  policy-config.json  every policy at its default level; edit and pass with --policy-pack-config")
    print("Commit the directory, then:")
    print(f"  pulumi preview --policy-pack {shown}")
    print(f"  pulumi preview --policy-pack {shown} --policy-pack-config {Path(shown) / 'policy-config.json'}")
    return 0


def add_policy(subparsers: Any) -> None:
    policy = subparsers.add_parser("policy", help="the agora-fls-snapshot CrossGuard policy pack")
    actions = policy.add_subparsers(dest="policy_command", required=True, metavar="ACTION")
    new = actions.add_parser(
        "new",
        help="write a policy pack directory for your infra repository",
        description="Write PulumiPolicy.yaml, __main__.py and policy-config.json into DIRECTORY. The pack runs "
        "with the virtualenv of the Python running this command, which must have agora-pulumi installed.",
    )
    new.add_argument("directory", metavar="DIRECTORY", help="where to write the pack, e.g. ./policy")
    new.add_argument("--force", action="store_true", help="overwrite the pack's files in a non-empty DIRECTORY")
    new.set_defaults(handler=_policy_new)


def _adopt(args: argparse.Namespace) -> int:
    from agora_pulumi import adopt

    try:
        return adopt.run(args, os.environ, sys.stdout, sys.stderr)
    except adopt.AdoptError as err:
        raise CommandError(str(err)) from None


def add_adopt(subparsers: Any) -> None:
    adopt = subparsers.add_parser(
        "adopt",
        help="write declarations for snapshot settings that already exist at Agora",
        description="Read live snapshot settings with the provider's client (agora:* from --stack-config, then "
        "AGORA_* variables) and write the fleet stack config or Python declarations that reproduce them, so the "
        "next `pulumi up` changes nothing at Agora. Storage keys are never printed: the output has "
        "`pulumi config set --secret` commands for them.",
    )
    adopt.add_argument("--app-id", required=True, help="the App ID of the entry points")
    adopt.add_argument(
        "--entry-point", required=True, action="append", metavar="NAME", help="an entry point to adopt (repeatable)"
    )
    adopt.add_argument(
        "--regions", default="cn,ap,na,eu", metavar="LIST", help="comma-separated push regions (default: cn,ap,na,eu)"
    )
    adopt.add_argument(
        "--api", choices=("legacy", "standard", "custom"), default="legacy",
        help="which API to read and which resource to write: legacy (SnapshotSetting, default), standard, custom",
    )
    adopt.add_argument(
        "--format", choices=("fleet", "python"), default="fleet",
        help="fleet: the agora-snapshots:* stack config (default); python: SnapshotSetting(...) declarations",
    )
    adopt.add_argument(
        "--output", metavar="FILE",
        help="write the declarations to a new FILE (default: stdout); an existing one is refused without --force",
    )
    adopt.add_argument(
        "--force", action="store_true",
        help="replace an existing --output FILE (a symlink is replaced itself, never written through)",
    )
    adopt.add_argument(
        "--keys-file", metavar="FILE",
        help="also write a new mode-0600 script that sets the storage keys Agora returned (never printed otherwise)",
    )
    adopt.add_argument(
        "--stack-config", metavar="FILE",
        help="a Pulumi.<stack>.yaml whose plain agora:* values configure the client (encrypted ones cannot be read)",
    )
    adopt.add_argument(
        "--project", metavar="NAME",
        help="the config namespace (default: the name in ./Pulumi.yaml, else agora-snapshots)",
    )
    adopt.add_argument(
        "--skip-unconfigured", action="store_true",
        help="leave out settings that read as never configured (disabled, interval 10, no moderation, no storage)",
    )
    adopt.set_defaults(handler=_adopt)


COMMANDS: list[AddCommand] = [add_policy, add_adopt]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agora-pulumi", description="Tools for agora-pulumi (Agora FLS snapshot settings on Pulumi)."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in COMMANDS:
        add(subparsers)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except CommandError as err:
        print(f"{parser.prog}: error: {err}", file=sys.stderr)
        return 2
