"""CrossGuard policies for Agora FLS snapshot settings, importable by any pack.

Three resource types are covered, each by the policies that concern it (:data:`COVERAGE` lists which):
``SnapshotSetting`` (the seed path, storage vendors 0-5), ``CustomSnapshotSetting`` (the current custom path,
storage vendors 0-8) and ``StandardSnapshotSetting`` (the current standard path, no storage). The type token
of a resource picks its :class:`agora_pulumi.kinds.SettingKind`, and with it the storage catalog that vendor
names, regions and geography are read from: a custom setting's Huawei region 6 is looked up in the current
tables, never in the seed's.

A ``SnapshotSettingSet`` (``agora-snapshots:grouping: app``) holds many settings in one resource, each member
with the fields of the single resource of its ``api``. Every policy checks each member exactly as it checks
that single resource, and prefixes its messages with the member (``settings["custom:<appId>/live/ap"]: ...``);
one-owner counts members and single resources alike. The one check that does not carry over is
``agora-storage-keys-secret``'s option check (see :func:`validate_storage_keys_secret`).

The pack in this directory (``__main__.py``) only bundles these objects; another pack can import the ones it
wants from :data:`ALL_POLICIES` or by name. Nothing here imports ``agora_pulumi.resource``, ``.provider`` or
``.client``: a policy pack runs in the engine's analyzer process, must not execute (or even unpickle) the
provider, and must keep working while the provider module is rewritten. The type tokens come from
:mod:`agora_pulumi.kinds` (pure data), the secret field names from :mod:`agora_pulumi.names` (which imports
nothing), the tables from :mod:`agora_pulumi.regions` and the integer coercion from the pure
:mod:`agora_pulumi.rules`.

What a policy can see, and why the checks look the way they do:

* The engine marshals inputs to ``Analyze``/``AnalyzeStack`` with secrets kept, but ``pulumi_policy``
  deserializes them *without* its secret proxy, so every secret arrives as plaintext and nothing says it
  was secret (pulumi-policy#241). The one signal that survives is the resource option list
  ``opts.additional_secret_outputs``, which the engine forwards verbatim. ``SnapshotSetting`` and
  ``CustomSnapshotSetting`` always list ``storageConfig`` there and wrap both keys in ``Output.secret``, so
  a missing entry means the setting was registered some other way (a hand-written dynamic resource, another SDK, a transformation that rebuilt the
  options) and the keys' secrecy can no longer be verified: plain strings registered that way are stored in
  plaintext in both the state's inputs and outputs. (Had the inputs been wrapped, the engine would re-mark
  the dynamic provider's outputs secret on its own, but no policy can tell which case it is looking at.)
* ``__provider`` (the pickled provider) is an internal key; the engine strips it before ``Analyze`` and
  ``AnalyzeStack``, so no policy sees it or has to skip it.
* Numbers arrive as floats (``30.0``) and a region in whatever case the program wrote: both are normalised.
* During preview a value may be unknown. The SDK's proxy raises ``UnknownValueError`` when a policy reads
  one and turns that into an advisory "can't run policy ... during preview" diagnostic. The policies here
  read through :class:`_Reads`, which remembers the first unknown instead of stopping, so every check that
  only needs known values still runs (and still reports), and the unknown is re-raised at the end so the SDK
  reports it exactly as it would have.

Remediation (issue 5 asked for a decision): none of these policies remediates, by choice. A remediation
may rewrite property values and wrap them in ``pulumi_policy.Secret``, but it cannot add
``additional_secret_outputs`` (options are not returned), and the engine runs ``Analyze`` right after
``Remediate`` on the result, where secrecy is invisible again (#241) and the options are unchanged. So the
mandatory secrecy check would still fail after a remediation (the SDK reports a ``remediate`` policy that
still finds a violation as ``mandatory``), i.e. it could never turn a stack green. Wrapping the keys would
protect the state's ``inputs`` (and, through the engine's secret annotation for providers that do not accept
secrets, the outputs), but doing it would mean rewriting the whole input map including ``__provider``, which
only ``Remediate`` receives, and reaching into the SDK's private secret-proxy target to find out which
values were unmarked. A violation that sends the author back to ``SnapshotSetting`` fixes the cause instead.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Callable, Final, NamedTuple, Optional

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from agora_pulumi import regions
from agora_pulumi.identity import canonical_name
from agora_pulumi.kinds import (
    BY_NATIVE_TYPE_TOKEN,
    BY_TYPE_TOKEN,
    CUSTOM,
    KINDS,
    LEGACY,
    STANDARD,
    SettingKind,
)
from agora_pulumi.names import (
    SECRET_STORAGE_FIELDS,
    SNAPSHOT_SETTING_SET,
    TYPE_TOKEN,
    native_type_token,
    type_token,
)
from agora_pulumi.regions import StorageCatalog
from agora_pulumi.rules import as_int

SNAPSHOT_SETTING_TYPE: Final = TYPE_TOKEN
"""The engine type of ``agora_pulumi.SnapshotSetting`` (a dynamic resource, module ``agora``)."""

SETTING_TYPES: Final = tuple(kind.type_token for kind in KINDS.values())
"""The engine types of all three settings: ``SnapshotSetting``, ``StandardSnapshotSetting``,
``CustomSnapshotSetting``."""

SNAPSHOT_SETTING_SET_TYPE: Final = type_token(SNAPSHOT_SETTING_SET)
"""The engine type of ``agora_pulumi.SnapshotSettingSet``: many settings in one resource (``grouping: app``)."""

NATIVE_SETTING_TYPES: Final = tuple(BY_NATIVE_TYPE_TOKEN)
"""The native package's settings (``agora:fls:SnapshotSetting``…), judged exactly like the dynamic ones."""

NATIVE_SETTING_SET_TYPE: Final = native_type_token(SNAPSHOT_SETTING_SET)
"""The native package's ``agora:fls:SnapshotSettingSet``."""

SETTING_KINDS_BY_TYPE: Final[Mapping[str, SettingKind]] = {**BY_TYPE_TOKEN, **BY_NATIVE_TYPE_TOKEN}
SET_TYPES: Final = frozenset({SNAPSHOT_SETTING_SET_TYPE, NATIVE_SETTING_SET_TYPE})

SET_SETTINGS: Final = "settings"
"""A set's one property, ``{member key: member}`` (``set_model.SETTINGS``; that module is not imported here
because it imports the provider's model, which the pack process has no use for)."""

SET_API: Final = "api"
"""A member's API (``legacy``, ``standard``, ``custom``; ``legacy`` when absent), ``set_model.API``."""

STORAGE_CONFIG: Final = "storageConfig"
_PROTECTED_KEY_PATHS: Final = frozenset((STORAGE_CONFIG, field) for field in SECRET_STORAGE_FIELDS)


# --------------------------------------------------------------------------------------------------------
# Reading properties without letting one unknown hide every other finding
# --------------------------------------------------------------------------------------------------------


class _Missing:
    """Marker for "the property is absent or null", distinct from any value a program can send."""

    def __repr__(self) -> str:
        return "MISSING"


class _Unknown:
    """Marker for "the property exists but its value is only known after the update" (preview)."""

    def __repr__(self) -> str:
        return "UNKNOWN"


MISSING: Final = _Missing()
UNKNOWN: Final = _Unknown()
Path = tuple[str, ...]


def _keys(container: Mapping[str, Any]) -> list[str]:
    # Iterating the SDK's proxy yields its keys without reading values; ``key in proxy`` would read the
    # value (Mapping.__contains__ calls __getitem__) and raise on an unknown one.
    return list(iter(container))


class _Reads:
    """Property reads that record the first unknown value instead of aborting the policy.

    Why: the SDK aborts a policy at the first unknown it touches. For a setting whose bucket is computed,
    that would hide, say, identical access and secret keys until ``pulumi up``. Recording the unknown and
    re-raising it in :meth:`finish` keeps the SDK's own preview advisory while still reporting everything
    that is already certain.
    """

    def __init__(self) -> None:
        self.first_unknown: Optional[UnknownValueError] = None

    def get(self, container: Any, key: str) -> Any:
        """``container[key]``, or :data:`MISSING` (absent, null, or not an object), or :data:`UNKNOWN`."""
        if not isinstance(container, Mapping) or key not in _keys(container):
            return MISSING
        try:
            value = container[key]
        except UnknownValueError as err:
            self.note(err)
            return UNKNOWN
        return MISSING if value is None else value

    def at(self, container: Any, path: Path) -> Any:
        """Follow ``path`` through nested objects, stopping at the first missing or unknown step."""
        value = container
        for key in path:
            value = self.get(value, key)
            if value is MISSING or value is UNKNOWN:
                return value
        return value

    def note(self, err: UnknownValueError) -> None:
        if self.first_unknown is None:
            self.first_unknown = err

    def finish(self) -> None:
        """Hand the first unknown to the SDK, which reports it as an advisory for this policy."""
        if self.first_unknown is not None:
            raise self.first_unknown


@contextmanager
def _reading() -> Iterator[_Reads]:
    reads = _Reads()
    yield reads
    reads.finish()


def _walk(reads: _Reads, value: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every (path, value) pair below ``value``, objects and lists alike; unknown leaves come as UNKNOWN."""
    if isinstance(value, Mapping):
        for key in _keys(value):
            child = reads.get(value, key)
            yield (*path, key), child
            yield from _walk(reads, child, (*path, key))
    elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        for index in range(len(value)):
            try:
                child = value[index]
            except UnknownValueError as err:
                reads.note(err)
                child = UNKNOWN
            yield (*path, str(index)), child
            yield from _walk(reads, child, (*path, str(index)))


def _dotted(path: Path) -> str:
    return ".".join(path)


class _Setting(NamedTuple):
    """One snapshot setting a policy judges: a whole resource, or one member of a ``SnapshotSettingSet``.

    ``props`` are read the same way in both cases (a member holds the same fields as the single resource of
    its kind, plus ``api``); ``where`` is empty for a resource and ``settings["<member key>"]`` for a member,
    so that a message can say which member it is about.
    """

    kind: SettingKind
    props: Any
    where: str = ""

    @property
    def is_member(self) -> bool:
        return bool(self.where)

    def say(self, message: str) -> str:
        """``message`` as reported: unchanged for a resource, prefixed by the member for a set member."""
        return f"{self.where}: {message}" if self.where else message


_Say = Callable[[str], None]


def _is_set(args: Any) -> bool:
    return args.resource_type in SET_TYPES


def _is_native(args: Any) -> bool:
    """A resource of the native ``agora`` package: its provider marks the storage keys secret in its own
    ``Check``, whatever the program passed, so no resource option is needed to keep them secret."""
    return args.resource_type in BY_NATIVE_TYPE_TOKEN or args.resource_type == NATIVE_SETTING_SET_TYPE


def _is_setting_or_set(args: Any) -> bool:
    return args.resource_type in SETTING_KINDS_BY_TYPE or _is_set(args)


def _settings(args: Any, reads: _Reads) -> Iterator[_Setting]:
    """The settings a resource (``ResourceValidationArgs`` or ``PolicyResource``) manages: itself if it is a
    single setting, each member of a ``SnapshotSettingSet`` with the kind its ``api`` names, nothing for any
    other type.

    Members that are not objects or name no known API are skipped: the set's ``Check`` names those. An
    unknown ``settings`` or member (computed during preview) is recorded in ``reads`` like any other unknown.
    """
    kind = SETTING_KINDS_BY_TYPE.get(args.resource_type)
    if kind is not None:
        yield _Setting(kind, args.props)
        return
    if not _is_set(args):
        return
    members = reads.get(args.props, SET_SETTINGS)
    if isinstance(members, Sequence) and not isinstance(members, str):
        # A native set's members as the program listed them (before its provider keys them by setting id).
        members = {str(index): member for index, member in enumerate(members)}
    if not isinstance(members, Mapping):
        return
    for key in _keys(members):
        member = reads.get(members, key)
        if not isinstance(member, Mapping):
            continue
        api = reads.get(member, SET_API)
        member_kind = LEGACY if api is MISSING else KINDS.get(api) if isinstance(api, str) else None
        if member_kind is not None:
            yield _Setting(member_kind, member, f'{SET_SETTINGS}["{key}"]')


def _set_extras(args: Any, reads: _Reads) -> Iterator[tuple[Path, Any]]:
    """For a set, every (path, value) outside ``settings`` (the set's ``Check`` rejects such keys, but a
    policy judging "anywhere in the inputs" must not skip them); nothing for any other resource."""
    if not _is_set(args):
        return
    for key in _keys(args.props):
        if key != SET_SETTINGS:
            value = reads.get(args.props, key)
            yield (key,), value
            yield from _walk(reads, value, (key,))


def _report(report_violation: ReportViolation, message: str, urn: Optional[str] = None) -> None:
    report_violation(message, urn)


def _sayer(report_violation: ReportViolation, setting: _Setting) -> _Say:
    """Report a finding about ``setting`` (prefixed with the member key for a set member)."""

    def say(message: str) -> None:
        _report(report_violation, setting.say(message))

    return say


def _vendor(code: Optional[int], catalog: StorageCatalog) -> Optional[int]:
    """``code`` if it is one of the catalog's vendors (invalid codes are the provider's check to name)."""
    return code if code is not None and code in catalog.vendor_names else None


def _describe_storage_region(catalog: StorageCatalog, vendor: int, code: int) -> str:
    row = catalog.storage_regions[vendor][code]
    return f"{code} ({row.name}) of {catalog.vendor_names[vendor]}"


def _push_region_label(push: str) -> str:
    return f"{push} ({regions.PUSH_REGION_NAMES[push]})"


# --------------------------------------------------------------------------------------------------------
# 1. Storage keys must be secret
# --------------------------------------------------------------------------------------------------------

_STORAGE_KEY_MARKERS: Final = ("accesskey", "secretkey", "secretid", "accountkey", "sastoken", "connectionstring")
_STORAGE_KEY_NAMES: Final = frozenset({"ak", "sk"})


def _normalised_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def looks_like_storage_key_name(name: str) -> bool:
    """Whether a property name reads like a cloud-storage credential (AccessKeySecret, sas_token, SK ...)."""
    norm = _normalised_name(name)
    return norm in _STORAGE_KEY_NAMES or any(marker in norm for marker in _STORAGE_KEY_MARKERS)


def validate_storage_keys_secret(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Flag keys that would be written to the stack's state in plaintext.

    Two ways that happens, both visible to a policy: ``storageConfig`` is not in the resource's
    ``additional_secret_outputs`` (the registration did not come through ``SnapshotSetting``, and since
    secret markers are gone by the time a policy runs, nothing shows that the keys are still secret), or a
    key-like field sits anywhere other than ``storageConfig.accessKey``/``secretKey``, the only two values
    ``SnapshotSetting`` wraps with ``Output.secret`` (unrecognised ``storage_config`` keys are passed
    through untouched so that the provider can name them). Applies to the settings that take storage
    (``SnapshotSetting``, ``CustomSnapshotSetting``); messages name the resource class to use.

    A ``SnapshotSettingSet`` gets only the second check, on each member of those two kinds. The first does not
    apply to a set: ``additionalSecretOutputs`` names top-level properties only, and listing ``settings``
    would mark every field of every member secret, not just the keys. The set instead keeps
    each member's keys secret by wrapping them in ``Output.secret`` and keying the members in an object, so
    the engine keeps that nested secrecy in state. Nested secrecy is exactly what a policy cannot see
    (pulumi-policy#241 unwraps every secret), and no option carries it, so there is no signal to judge; a set
    registered some other way is not detectable here.
    """
    with _reading() as reads:
        for setting in _settings(args, reads):
            if setting.kind.takes_storage:
                _check_keys_secret(args, setting, reads, _sayer(report_violation, setting))
        for path, _value in _set_extras(args, _Reads()):
            if looks_like_storage_key_name(path[-1]):
                _report(report_violation, _misplaced_key(path, SNAPSHOT_SETTING_SET))


def _misplaced_key(path: Path, resource: str) -> str:
    return (
        f"{_dotted(path)} looks like a storage credential, but {resource} only makes "
        "storageConfig.accessKey and storageConfig.secretKey secret, so this value may be stored "
        "in plaintext in the stack's state. Pass the key as storage_config access_key/secret_key."
    )


def _check_keys_secret(args: ResourceValidationArgs, setting: _Setting, reads: _Reads, say: _Say) -> None:
    props = setting.props
    resource = SNAPSHOT_SETTING_SET if setting.is_member else setting.kind.resource
    if STORAGE_CONFIG in _keys(props) and reads.get(props, STORAGE_CONFIG) is not MISSING:
        if not setting.is_member and not _is_native(args) and STORAGE_CONFIG not in list(
            args.opts.additional_secret_outputs
        ):
            say(
                "storageConfig is not in the resource's additionalSecretOutputs, the only sign of "
                "secrecy a policy can check, so the storage keys may be stored in plaintext in the "
                f"stack's state. Create the setting with agora_pulumi.{resource}, which always adds "
                "it and wraps the keys in Output.secret, and make sure no transformation rebuilds its "
                "options without it.",
            )
    # Only names matter here, and they are known even where values are not. The one unknown that can
    # hide names, a wholly computed storageConfig, was already recorded by the read above, so the walk
    # uses a scratch reader: an unknown bucket string must not turn into a "can't run" advisory.
    for path, _value in _walk(_Reads(), props):
        if path not in _PROTECTED_KEY_PATHS and looks_like_storage_key_name(path[-1]):
            say(_misplaced_key(path, resource))


storage_keys_secret = ResourceValidationPolicy(
    name="agora-storage-keys-secret",
    description="Storage keys of a SnapshotSetting or CustomSnapshotSetting must be stored as Pulumi secrets.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=validate_storage_keys_secret,
)


# --------------------------------------------------------------------------------------------------------
# 2. No placeholder or leaked-looking credentials
# --------------------------------------------------------------------------------------------------------

DOC_SAMPLE_VALUES: Final = frozenset(
    {
        # The request and response examples in Agora's "Set/Get the snapshot capturing configuration" doc.
        "{your access key}",
        "{your secret key}",
        "{your bucket}",
        "{your_appid}",
        "test acces key",  # sic: the doc's spelling
        "test access key",
        "test secret key",
    }
)
_TEMPLATE_RE: Final = re.compile(r"^(\{\s*your[\s_].*\}|<\s*your[\s_].*>)$")


def is_doc_placeholder(value: str) -> bool:
    """Whether ``value`` is one of the doc's sample values or a ``{your ...}`` template, in any case."""
    norm = " ".join(value.casefold().split())
    return norm in DOC_SAMPLE_VALUES or bool(_TEMPLATE_RE.match(norm))


def validate_storage_keys_not_placeholder(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Flag keys that cannot be a working key pair, or that leak into a non-secret field.

    Why each check: an empty key or a sample copied from the doc fails only when Agora first tries to upload
    (silently, from the program's point of view); a pair whose halves are equal is a paste error; and a key
    that appears in ``bucket`` is in plaintext in the state and every preview, since ``bucket`` is not
    secret. Values are never echoed: a policy message ends up in CI logs and in Pulumi Cloud.

    The ``appId`` check applies to all three settings; the storage checks to those that take storage (a
    ``StandardSnapshotSetting`` has none, and the provider rejects one that is given any). Each member of a
    ``SnapshotSettingSet`` is checked as the single resource of its ``api``.
    """
    with _reading() as reads:
        for setting in _settings(args, reads):
            _check_placeholders(setting, reads, _sayer(report_violation, setting))


def _check_placeholders(setting: _Setting, reads: _Reads, say: _Say) -> None:
    props = setting.props
    app_id = reads.get(props, "appId")
    if isinstance(app_id, str) and is_doc_placeholder(app_id):
        say(f"appId {app_id!r} is the API doc's placeholder; use the project's App ID.")
    if not setting.kind.takes_storage:
        return
    storage = reads.get(props, STORAGE_CONFIG)
    if not isinstance(storage, Mapping):
        return  # absent, unknown (reported by finish), or malformed (the provider's check names it)
    keys: dict[str, str] = {}
    for field in SECRET_STORAGE_FIELDS:
        value = reads.get(storage, field)
        if value is UNKNOWN:
            continue
        if value is MISSING or (isinstance(value, str) and not value.strip()):
            say(
                f"storageConfig.{field} is empty; Agora cannot write snapshots to the bucket without it.",
            )
        elif isinstance(value, str):
            if is_doc_placeholder(value):
                say(
                    f"storageConfig.{field} is a sample value from Agora's API doc (like "
                    "'{your access key}' or 'test acces key'), not a real key; read the key from "
                    "secret config (pulumi config set --secret).",
                )
            keys[field] = value
    access, secret = keys.get("accessKey"), keys.get("secretKey")
    if access is not None and access.strip() and access == secret:
        say(
            "storageConfig.accessKey and storageConfig.secretKey are identical; a real key pair never "
            "is, so one of them was pasted into both.",
        )
    bucket = reads.get(storage, "bucket")
    if isinstance(bucket, str):
        if is_doc_placeholder(bucket):
            say(
                f"storageConfig.bucket {bucket!r} is the API doc's placeholder; name the real bucket.",
            )
        for field, key in keys.items():
            if key.strip() and key.casefold() in bucket.casefold():
                say(
                    f"storageConfig.bucket contains storageConfig.{field}; the bucket name is not "
                    "secret, so the key is stored and displayed in plaintext. Rotate the key.",
                )


storage_keys_not_placeholder = ResourceValidationPolicy(
    name="agora-storage-keys-not-placeholder",
    description="Storage keys must be a real key pair: not empty, not the API doc's samples, not leaked.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=validate_storage_keys_not_placeholder,
)


# --------------------------------------------------------------------------------------------------------
# 3. No Agora credentials in resource inputs
# --------------------------------------------------------------------------------------------------------

_AGORA_CREDENTIAL_MARKERS: Final = (
    "customerid",
    "customersecret",
    "customerkey",
    "authorization",
    "basicauth",
    "password",
    "passwd",
    "appcertificate",
    "apisecret",
    "restsecret",
)
_BASIC_RE: Final = re.compile(r"(?<![A-Za-z0-9])basic\s+([A-Za-z0-9+/]{4,}={0,2})(?![A-Za-z0-9+/=])", re.IGNORECASE)


def looks_like_agora_credential_name(name: str) -> bool:
    """Whether a property name reads like Agora's own RESTful credentials (customer ID/secret, auth)."""
    norm = _normalised_name(name)
    return any(marker in norm for marker in _AGORA_CREDENTIAL_MARKERS)


def contains_basic_credentials(value: str) -> bool:
    """Whether ``value`` holds an HTTP Basic credential: ``Basic <base64 of "id:secret">`` (RFC 7617).

    Requiring the token to decode to something with a colon keeps ordinary words after "basic" from
    matching, while a real Agora ``Authorization`` header (base64 of ``customerId:customerSecret``) does.
    """
    for match in _BASIC_RE.finditer(value):
        try:
            decoded = base64.b64decode(match.group(1), validate=True)
        except (binascii.Error, ValueError):
            continue
        if b":" in decoded:
            return True
    return False


def validate_no_agora_credentials(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Flag Agora credentials anywhere in a setting's inputs (any depth, secret or not).

    Why: the provider authenticates with ``agora:customerId``/``agora:customerSecret`` from provider config,
    where Pulumi stores them encrypted and never diffs them per resource. A copy in resource inputs is
    written to state for every setting (in plaintext unless wrapped) and outlives rotating the secret.
    Applies to all three settings, and to every member of a ``SnapshotSettingSet`` (named in the message) and
    anything else in a set's inputs.
    """
    with _reading() as reads:
        for setting in _settings(args, reads):
            _check_credentials(_walk(reads, setting.props), _sayer(report_violation, setting))
        _check_credentials(_set_extras(args, reads), lambda message: _report(report_violation, message))


def _check_credentials(found: Iterator[tuple[Path, Any]], say: _Say) -> None:
    for path, value in found:
        if looks_like_agora_credential_name(path[-1]):
            say(
                f"{_dotted(path)} looks like an Agora credential; remove it. The provider reads the "
                "customer ID and secret from provider config: pulumi config set agora:customerId ... "
                "and pulumi config set --secret agora:customerSecret ...",
            )
        elif isinstance(value, str) and contains_basic_credentials(value):
            say(
                f"{_dotted(path)} contains an HTTP Basic credential ('Basic <base64 of id:secret>'); "
                "remove it and rotate the customer secret. The provider builds the Authorization "
                "header itself from agora:customerId and agora:customerSecret.",
            )


no_agora_credentials = ResourceValidationPolicy(
    name="agora-no-credentials-in-inputs",
    description="Agora's customer ID/secret belong in provider config (agora:customerId, agora:customerSecret), "
    "never in resource inputs.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=validate_no_agora_credentials,
)


# --------------------------------------------------------------------------------------------------------
# 4. One owner per setting (stack)
# --------------------------------------------------------------------------------------------------------


class _Owner(NamedTuple):
    """A resource that manages a setting, and the member that holds it when the resource is a set."""

    resource: PolicyResource
    setting: _Setting

    @property
    def label(self) -> str:
        """``name`` for a resource, ``name.settings["<member key>"]`` for a set member."""
        name = self.resource.name
        return f"{name}.{self.setting.where}" if self.setting.is_member else name


def validate_one_owner_per_setting(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Flag two or more settings of one kind that address the same appId/entryPoint/region.

    Why: Agora has one snapshot setting per API path, entry point and push region. Two resources for it
    overwrite each other on every update (each sees the other's values as drift), and because deleting a
    setting disables capturing, removing either one switches it off for both. The key is (kind, appId,
    entryPoint, region): the seed path, the standard path and the custom path are separate settings at
    Agora, so a ``SnapshotSetting`` and a ``CustomSnapshotSetting`` for one entry point and region do not
    overwrite each other, while two ``CustomSnapshotSetting`` resources do. The region is case-normalised
    because Agora's path treats ``CN`` and ``cn`` as the same region.

    The members of every ``SnapshotSettingSet`` are owners too, keyed the same way (a member's kind is its
    ``api``): a member and a single resource, or members of two sets, for one setting conflict exactly like
    two resources, and the messages name the member as ``<set>.settings["<member key>"]``.
    """
    with _reading() as reads:
        groups: dict[tuple[str, str, str, str], list[_Owner]] = {}
        for resource in args.resources:
            for setting in _settings(resource, reads):
                parts = [reads.get(setting.props, key) for key in ("appId", "entryPoint", "region")]
                if not all(isinstance(part, str) for part in parts):
                    continue  # unknown (reported at the end) or malformed (the provider rejects it)
                app_id, entry_point, region = parts
                # The provider's identity: names in NFC (``café`` typed either way is one setting).
                key = (setting.kind.name, canonical_name(app_id), canonical_name(entry_point), region.lower())
                groups.setdefault(key, []).append(_Owner(resource, setting))
        for (kind_name, app_id, entry_point, region), owners in sorted(groups.items()):
            if len(owners) < 2:
                continue
            owners.sort(key=lambda owner: (owner.resource.urn, owner.setting.where))
            label = KINDS[kind_name].label
            in_a_set = any(owner.setting.is_member for owner in owners)
            for owner in owners:
                others = ", ".join(other.label for other in owners if other is not owner)
                _report(
                    report_violation,
                    f"{owner.label} manages the same {label} as {others}: appId {app_id!r}, "
                    f"entryPoint {entry_point!r}, region {region!r}. "
                    + (_SHARED_WITH_A_SET if in_a_set else _SHARED_BY_RESOURCES),
                    owner.resource.urn,
                )


_SHARED_BY_RESOURCES: Final = (
    "They overwrite each other on every update, and deleting either disables snapshot capturing for both. "
    "Keep one resource; to rename it, use opts=ResourceOptions(aliases=[...]) instead of declaring a second."
)
_SHARED_WITH_A_SET: Final = (
    "They overwrite each other on every update, and removing either (deleting the resource or dropping the "
    "member from its SnapshotSettingSet) disables snapshot capturing for both. Keep the setting in one place: "
    "a single resource or one member of one SnapshotSettingSet."
)


one_owner_per_setting = StackValidationPolicy(
    name="agora-one-owner-per-setting",
    description="Each appId/entryPoint/region snapshot setting (per API path: seed, standard, custom) must be "
    "managed by exactly one resource.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=validate_one_owner_per_setting,
)


# --------------------------------------------------------------------------------------------------------
# 5. Storage in the push region's geography
# --------------------------------------------------------------------------------------------------------


def _regions_in(catalog: StorageCatalog, vendor: int, push: str) -> str:
    name = catalog.vendor_names[vendor]
    rows = [r for r in catalog.storage_regions[vendor].values() if r.geography == push]
    if not rows:
        return f"{name} has no region in {push}; use another vendor."
    listed = ", ".join(f"{r.code} ({r.name})" for r in rows)
    return f"{name} regions in {push}: {listed}."


def validate_storage_in_push_region(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Flag storage whose region is not in the push region's geography.

    Why: Agora's doc asks that the storage region be "in the same region" as the push domain, for upload
    success rate and latency. Azure (and, on the custom path, Google Cloud) takes no region and is skipped.
    Storage regions that lie in none of the four push regions (S3 SA_EAST_1, ME_SOUTH_1, Huawei's African
    and South American regions) can never comply, and the message says so rather than naming a mismatch.
    Invalid codes are left to the provider's check, which names the allowed values. Vendor and region are
    read from the resource's own catalog: the seed tables for ``SnapshotSetting``, the current ones for
    ``CustomSnapshotSetting``; a ``SnapshotSettingSet`` member's from the tables of its ``api``.
    """
    with _reading() as reads:
        for setting in _settings(args, reads):
            _check_push_region(setting, reads, _sayer(report_violation, setting))


def _check_push_region(setting: _Setting, reads: _Reads, say: _Say) -> None:
    catalog = setting.kind.catalog
    if catalog is None:
        return
    props = setting.props
    # Vendor first: for Azure neither region matters, so an unknown one must not cost an advisory.
    vendor = _vendor(as_int(reads.at(props, (STORAGE_CONFIG, "vendor"))), catalog)
    if vendor is None or vendor in catalog.vendors_without_region:
        return
    push = reads.get(props, "region")
    code = as_int(reads.at(props, (STORAGE_CONFIG, "region")))
    if not isinstance(push, str) or code is None or code not in catalog.storage_regions[vendor]:
        return
    push = push.lower()
    if push not in regions.PUSH_REGIONS:
        return
    geography = catalog.geography(vendor, code)
    if geography == push:
        return
    where = _describe_storage_region(catalog, vendor, code)
    if geography is None:
        found = (
            f"storageConfig.region {where} lies outside all four push regions "
            f"({', '.join(regions.PUSH_REGIONS)}), so it is never in the same region as push region "
            f"{_push_region_label(push)}."
        )
    else:
        found = (
            f"storageConfig.region {where} is in {_push_region_label(geography)}, but the push region "
            f"is {_push_region_label(push)}; every snapshot upload would cross regions."
        )
    say(f"{found} {_regions_in(catalog, vendor, push)}")


storage_in_push_region = ResourceValidationPolicy(
    name="agora-storage-in-push-region",
    description="Snapshot storage should be in the same region as the push domain (Agora's recommendation).",
    enforcement_level=EnforcementLevel.ADVISORY,
    validate=validate_storage_in_push_region,
)


# --------------------------------------------------------------------------------------------------------
# 6. Organisation rules, off until configured
# --------------------------------------------------------------------------------------------------------


def _enabled(reads: _Reads, props: Mapping[str, Any]) -> Any:
    return reads.get(props, "enabled")


def validate_moderation_required(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Flag an enabled setting (any of the three, or a set member of any) without content moderation
    (``enableModeration`` defaults to false)."""
    with _reading() as reads:
        for setting in _settings(args, reads):
            _check_moderation(setting, reads, _sayer(report_violation, setting))


def _check_moderation(setting: _Setting, reads: _Reads, say: _Say) -> None:
    if _enabled(reads, setting.props) is not True:
        return
    moderation = reads.get(setting.props, "enableModeration")
    if moderation is UNKNOWN or moderation is True:
        return
    state = "not set (Agora defaults to false)" if moderation is MISSING else repr(moderation)
    say(
        f"Snapshot capturing is enabled but enableModeration is {state}; this organisation requires "
        "content moderation on every captured stream. Set enable_moderation=True.",
    )


moderation_required = ResourceValidationPolicy(
    name="agora-moderation-required",
    description="Organisation rule: enabled snapshot capturing must have content moderation on.",
    enforcement_level=EnforcementLevel.DISABLED,
    validate=validate_moderation_required,
)

_ALL_VENDOR_CODES: Final = [int(v) for v in regions.CurrentVendor]
"""Every vendor code of either API (0-8): the seed's 0-5 are a subset of the current custom API's."""


def _config_ints(config: Mapping[str, Any], key: str, default: list[int]) -> list[int]:
    # Configure delivers numbers as floats (protobuf Struct), so [1, 2] arrives as [1.0, 2.0].
    raw = config.get(key)
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        return default
    return [n for n in (as_int(item) for item in raw) if n is not None]


def _config_int(config: Mapping[str, Any], key: str, default: int) -> int:
    value = as_int(config.get(key))
    return default if value is None else value


def validate_allowed_vendors(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Flag storage on a vendor outside the configured ``allowedVendors`` (codes 0-8).

    The vendor and the allowed list are named from the resource's own catalog, so a ``SnapshotSetting``'s
    message lists only the allowed vendors the seed path offers (0-5) and a ``CustomSnapshotSetting``'s all
    of them (0-8); a ``SnapshotSettingSet`` member's, those of its ``api``. A code outside the catalog is left
    to the provider's check.
    """
    if not _is_setting_or_set(args):
        return
    allowed = _config_ints(args.get_config(), "allowedVendors", _ALL_VENDOR_CODES)
    with _reading() as reads:
        for setting in _settings(args, reads):
            _check_vendor(setting, reads, allowed, _sayer(report_violation, setting))


def _check_vendor(setting: _Setting, reads: _Reads, allowed: list[int], say: _Say) -> None:
    catalog = setting.kind.catalog
    if catalog is None:
        return
    vendor = _vendor(as_int(reads.at(setting.props, (STORAGE_CONFIG, "vendor"))), catalog)
    if vendor is None or vendor in allowed:
        return
    names = ", ".join(f"{c} ({catalog.vendor_names[c]})" for c in allowed if _vendor(c, catalog) is not None)
    say(
        f"storageConfig.vendor {vendor} ({catalog.vendor_names[vendor]}) is not allowed by this "
        f"organisation; allowed vendors: {names or 'none'}.",
    )


allowed_vendors = ResourceValidationPolicy(
    name="agora-allowed-storage-vendors",
    description="Organisation rule: snapshots may only be stored with the configured storage vendors.",
    enforcement_level=EnforcementLevel.DISABLED,
    config_schema=PolicyConfigSchema(
        properties={
            "allowedVendors": {
                "type": "array",
                "description": "storageConfig.vendor codes from Agora's docs: 0 Qiniu, 1 Amazon S3, 2 Aliyun, "
                "3 Tencent Cloud, 4 Kingsoft Cloud, 5 Microsoft Azure; CustomSnapshotSetting only: 6 Google "
                "Cloud, 7 Huawei Cloud, 8 Baidu AI Cloud.",
                "items": {"type": "integer", "enum": _ALL_VENDOR_CODES},
                "uniqueItems": True,
                "default": _ALL_VENDOR_CODES,
            },
        },
    ),
    validate=validate_allowed_vendors,
)


def validate_interval_bounds(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Flag an enabled setting (any of the three) whose interval is outside ``[minInterval, maxInterval]``.

    An unset ``snapshotInterval`` is checked as Agora's default (10 s), since that is what Agora applies.
    A configuration with ``minInterval > maxInterval`` cannot be satisfied and is reported as such on every
    setting rather than silently passing everything (once per ``SnapshotSettingSet``, whose enabled members
    are each checked like the single resource of their ``api``).
    """
    if not _is_setting_or_set(args):
        return
    config = args.get_config()
    low = _config_int(config, "minInterval", regions.MIN_INTERVAL)
    high = _config_int(config, "maxInterval", regions.MAX_INTERVAL)
    if low > high:
        _report(
            report_violation,
            f"Policy configuration is inconsistent: minInterval {low} > maxInterval {high}; fix the "
            "--policy-pack-config file.",
        )
        return
    with _reading() as reads:
        for setting in _settings(args, reads):
            _check_interval(setting, reads, low, high, _sayer(report_violation, setting))


def _check_interval(setting: _Setting, reads: _Reads, low: int, high: int, say: _Say) -> None:
    if _enabled(reads, setting.props) is not True:
        return
    raw = reads.get(setting.props, "snapshotInterval")
    if raw is UNKNOWN:
        return
    interval = regions.DEFAULT_INTERVAL if raw is MISSING else as_int(raw)
    if interval is None or low <= interval <= high:
        return
    shown = f"not set, so Agora uses {interval}s" if raw is MISSING else f"{interval}s"
    say(f"snapshotInterval is {shown}; this organisation allows {low}s to {high}s.")


interval_bounds = ResourceValidationPolicy(
    name="agora-snapshot-interval-bounds",
    description="Organisation rule: snapshot intervals must lie within the configured bounds.",
    enforcement_level=EnforcementLevel.DISABLED,
    config_schema=PolicyConfigSchema(
        properties={
            "minInterval": {
                "type": "integer",
                "description": "Shortest allowed snapshotInterval in seconds (Agora accepts 5-300).",
                "minimum": regions.MIN_INTERVAL,
                "maximum": regions.MAX_INTERVAL,
                "default": regions.MIN_INTERVAL,
            },
            "maxInterval": {
                "type": "integer",
                "description": "Longest allowed snapshotInterval in seconds (Agora accepts 5-300).",
                "minimum": regions.MIN_INTERVAL,
                "maximum": regions.MAX_INTERVAL,
                "default": regions.MAX_INTERVAL,
            },
        },
    ),
    validate=validate_interval_bounds,
)


ALL_POLICIES: Final[tuple[Policy, ...]] = (
    storage_keys_secret,
    storage_keys_not_placeholder,
    no_agora_credentials,
    one_owner_per_setting,
    storage_in_push_region,
    moderation_required,
    allowed_vendors,
    interval_bounds,
)
"""Every policy of the pack, in the order the pack lists them."""

_STORAGE_KINDS: Final = (LEGACY, CUSTOM)
_ALL_KINDS: Final = (LEGACY, STANDARD, CUSTOM)

COVERAGE: Final[Mapping[str, tuple[SettingKind, ...]]] = {
    storage_keys_secret.name: _STORAGE_KINDS,
    # The appId check covers all three; the storage checks only the kinds with storage.
    storage_keys_not_placeholder.name: _ALL_KINDS,
    no_agora_credentials.name: _ALL_KINDS,
    one_owner_per_setting.name: _ALL_KINDS,
    storage_in_push_region.name: _STORAGE_KINDS,
    moderation_required.name: _ALL_KINDS,
    allowed_vendors.name: _STORAGE_KINDS,
    interval_bounds.name: _ALL_KINDS,
}
"""Which setting kinds each policy checks (a kind's resource type token selects it)."""

SET_COVERAGE: Final[Mapping[str, tuple[SettingKind, ...]]] = COVERAGE
"""Which members of a ``SnapshotSettingSet`` (by their ``api``) each policy checks: the same as for single
resources, so no policy skips a setting because of how it is grouped. Two exceptions inside a policy, not in
the coverage: ``agora-storage-keys-secret`` can only judge key-like fields on a set (a set has no
``additionalSecretOutputs`` signal, see :func:`validate_storage_keys_secret`), and one-owner counts members
and single resources alike."""
