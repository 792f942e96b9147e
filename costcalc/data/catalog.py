"""Preset files: finding them, reading them, and looking names up.

Preset files are TOML. Each file may hold any of these arrays of tables: ``accelerator``,
``node``, ``model`` (hardware and model presets), ``run`` (published training runs, the
calibration set), ``pue`` and ``carbon_intensity`` (facility observations). The built-in files
ship inside the package; a user adds their own in any folder given with ``--presets DIR``, in
``$COSTCALC_PRESETS`` (folders separated by ``:``), or in ``~/.config/costcalc/presets``
(``$XDG_CONFIG_HOME/costcalc/presets``); ``costcalc.data.folders`` decides which folders and
files are read, and caps their number and size. A user preset with the same name as a built-in one
replaces it, visibly: the catalog's ``notices`` say which file overrides which preset (the CLI
prints them on stderr) and an estimate that uses it cites the user's file. A user folder that
cannot be listed, or a missing folder in ``$COSTCALC_PRESETS``, is a notice too, never silently
skipped.

Every file is read by ``costcalc.base.files.read_text``: regular files only, at most
``MAX_PRESET_BYTES`` each.

Names are matched case-insensitively, with spaces and underscores read as hyphens; an unknown
name gets a "did you mean". A malformed file gets a ``PresetError`` naming the file and field.
Built-in entries are validated when first used (so start-up stays fast); user files are
validated completely when loaded, so a mistake shows at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from costcalc.base.errors import CostcalcError, FileError, InputError, PresetError
from costcalc.base.fields import first_error
from costcalc.base.files import parse_toml, read_text
from costcalc.data.folders import (
    MAX_PRESET_BYTES,
    folder_state,
    given_folders,
    list_files,
    plan_folders,
    user_preset_dirs,
)
from costcalc.schemas import AcceleratorSpec, ModelSpec, NodeSpec

__all__ = [
    "MAX_PRESET_BYTES",
    "Catalog",
    "builtin_presets_dir",
    "catalog_for",
    "default_catalog",
    "forget_used",
    "normalize_name",
    "notices",
    "user_preset_dirs",
]

SpecT = TypeVar("SpecT", bound=BaseModel)

NAMED_KINDS: dict[str, type[BaseModel]] = {
    "accelerator": AcceleratorSpec,
    "node": NodeSpec,
    "model": ModelSpec,
}
#: Array names a preset file may contain besides the named kinds (read by other modules).
DATA_KINDS = ("run", "pue", "carbon_intensity", "claim", "electricity", "server_premium", "threshold",
              "hosted_finetune")  # fmt: skip
#: Fields of a user's tables that name another preset: checked when the user's file loads, so
#: a bad name is reported against that file (not against an option the user never gave). A run
#: on an accelerator without a preset is not an error: the calibration skips it and says so.
REFERENCES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "node": (("accelerator", ("accelerator",)),),
    "accelerator": (("price_proxy", ("accelerator",)),),
}


def normalize_name(name: str) -> str:
    """Lower-case, trimmed, with runs of spaces and underscores turned into one hyphen."""
    return "-".join(name.strip().lower().replace("_", " ").split())


def builtin_presets_dir() -> Path:
    """The shipped presets: inside the installed package, or the repository's ``presets/``."""
    here = Path(__file__).resolve().parent.parent  # the costcalc package
    for candidate in (here / "presets", here.parent / "presets"):
        if candidate.is_dir():
            return candidate
    raise PresetError(str(here / "presets"), "presets", "the built-in preset folder is missing")


@dataclass(frozen=True)
class Entry:
    """One table of a preset file, with where it came from."""

    kind: str
    data: dict[str, Any]
    path: Path
    index: int
    builtin: bool

    @property
    def where(self) -> str:
        name = self.data.get("name") or self.data.get("id")
        label = f" ({name})" if isinstance(name, str) else ""
        return f"{self.kind}[{self.index}]{label}"


_TABLE_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*([A-Za-z_][A-Za-z0-9_-]*)", re.MULTILINE)


def parse_preset_text(text: str, path: Path, *, builtin: bool) -> list[Entry]:
    """Parse one TOML preset file into entries; malformed TOML or unknown tables name the file."""
    try:
        document = parse_toml(text, str(path), what="preset file")
    except FileError as err:
        raise PresetError(err.path, err.field, err.message.removeprefix(f"{err.field}: ")) from None
    entries: list[Entry] = []
    for kind, tables in document.items():
        if kind not in NAMED_KINDS and kind not in DATA_KINDS:
            known = ", ".join([*NAMED_KINDS, *DATA_KINDS])
            raise PresetError(str(path), kind, f"unknown table; expected one of {known}")
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            raise PresetError(str(path), kind, f"expected an array of tables ([[{kind}]])")
        entries.extend(Entry(kind, table, path, i, builtin) for i, table in enumerate(tables))
    return entries


@dataclass(eq=False)
class PresetFile:
    """A preset file, read at once but parsed only when one of its kinds is needed."""

    path: Path
    builtin: bool
    text: str
    kinds: frozenset[str]
    _entries: list[Entry] | None = None

    @classmethod
    def read(cls, path: Path, *, builtin: bool, max_bytes: int = MAX_PRESET_BYTES) -> PresetFile:
        try:
            text = read_text(path, max_bytes=max_bytes, what="preset file")
        except FileError as err:
            raise PresetError(err.path, err.field, err.message) from None
        return cls(path, builtin, text, frozenset(_TABLE_HEADER.findall(text)))

    def entries(self) -> list[Entry]:
        if self._entries is None:
            self._entries = parse_preset_text(self.text, self.path, builtin=self.builtin)
        return self._entries


def _data_model(kind: str) -> type[BaseModel]:
    """The model a data kind's tables validate against (imported here: only user files need it)."""
    from costcalc.schemas.claims import Claim
    from costcalc.schemas.observations import CarbonObservation, HostedPrice, Observation, PueObservation
    from costcalc.schemas.runs import PublishedRun
    from costcalc.schemas.thresholds import ComputeThreshold

    models: dict[str, type[BaseModel]] = {
        "run": PublishedRun, "claim": Claim, "threshold": ComputeThreshold, "pue": PueObservation,
        "carbon_intensity": CarbonObservation, "electricity": Observation, "server_premium": Observation,
        "hosted_finetune": HostedPrice,
    }  # fmt: skip
    return models[kind]


def validate_entry(entry: Entry, model: type[SpecT]) -> SpecT:
    """Validate one entry into ``model``; a failure is a PresetError naming file and field."""
    try:
        spec = model.model_validate(entry.data)
    except ValidationError as err:
        field_name, message = first_error(err)
        raise PresetError(str(entry.path), f"{entry.where}.{field_name}", message) from None
    missing: list[str] = spec.missing_sources() if hasattr(spec, "missing_sources") else []
    if entry.builtin and missing:
        raise PresetError(str(entry.path), f"{entry.where}.sources", f"no source for {', '.join(missing)}")
    return spec


@dataclass(eq=False)  # compared and hashed by identity, so results can be cached per catalog
class Catalog:
    """All presets from the built-in folder and the user folders, indexed by normalized name.

    Built-in files are parsed on first use of a kind they hold (the estimate path never parses
    the published runs: the calibration ships as a derived file); user files are parsed and
    validated when the catalog loads, so their mistakes show at once.
    """

    dirs: Sequence[Path]
    files: list[PresetFile] = field(default_factory=list)
    _index: dict[str, dict[str, Entry]] = field(default_factory=dict)
    _specs: dict[tuple[str, str], Any] = field(default_factory=dict)
    #: What the user should know about the presets in use: overridden built-ins, unread folders.
    notices: list[str] = field(default_factory=list)
    #: The user preset folders that could not be listed (also in ``notices``).
    unread: list[str] = field(default_factory=list)
    #: (kind, canonical name) of each built-in preset a user file replaces -> the user's entry.
    overrides: dict[tuple[str, str], Entry] = field(default_factory=dict)

    @classmethod
    def load(
        cls, extra_dirs: Iterable[Path | str] = (), *, builtin_dir: Path | None = None, user: bool = True
    ) -> Catalog:
        """The built-in presets (or ``builtin_dir`` in their place), ``extra_dirs`` and, with
        ``user``, the user's preset folders from the environment and the config folder."""
        builtin = builtin_dir or builtin_presets_dir()
        folders = plan_folders(builtin, given_folders(extra_dirs), user_preset_dirs() if user else [])
        catalog = cls(dirs=[builtin, *folders.user])
        paths, unread = list_files(catalog.dirs, builtin)
        catalog.unread += folders.notices + unread
        catalog.notices += catalog.unread
        for path, max_bytes in paths:
            preset_file = PresetFile.read(path, builtin=path.parent == builtin, max_bytes=max_bytes)
            catalog.files.append(preset_file)
            if not preset_file.builtin:
                catalog._check_user_file(preset_file)
        for kind in sorted(catalog.user_kinds() & NAMED_KINDS.keys()):
            catalog._index_of(kind)  # duplicate names show now, not at first lookup (one index per kind)
        for preset_file in catalog.files:
            if not preset_file.builtin:
                catalog._check_references(preset_file)
        return catalog

    def _check_references(self, preset_file: PresetFile) -> None:
        for entry in preset_file.entries():
            for field_name, kinds in REFERENCES.get(entry.kind, ()):
                name = entry.data.get(field_name)
                if isinstance(name, str) and not any(normalize_name(name) in self._index_of(k) for k in kinds):
                    message = self.unknown_message(name, list(kinds))
                    raise PresetError(str(entry.path), f"{entry.where}.{field_name}", message)

    def locate(self, kind: str, key: str, value: str) -> Entry | None:
        """The entry of ``kind`` whose ``key`` field is ``value`` (a run by its id), for error messages."""
        return next((e for e in self._entries(kind) if e.data.get(key) == value), None)

    def _check_user_file(self, preset_file: PresetFile) -> None:
        for entry in preset_file.entries():
            model = NAMED_KINDS.get(entry.kind) or _data_model(entry.kind)
            validate_entry(entry, model)

    def _entries(self, kind: str) -> list[Entry]:
        return [e for f in self.files if not f.builtin or kind in f.kinds for e in f.entries() if e.kind == kind]

    def _index_of(self, kind: str) -> dict[str, Entry]:
        if kind not in self._index:
            index: dict[str, Entry] = {}
            seen: dict[tuple[Path, str], int] = {}
            for entry in self._entries(kind):
                names = [entry.data.get("name"), *entry.data.get("aliases", [])]
                if not isinstance(names[0], str):
                    raise PresetError(str(entry.path), f"{entry.where}.name", "is required and must be text")
                for name in names:
                    if not isinstance(name, str):
                        raise PresetError(str(entry.path), f"{entry.where}.aliases", "must be a list of text")
                    key = normalize_name(name)
                    if seen.setdefault((entry.path, key), entry.index) != entry.index:
                        raise PresetError(str(entry.path), f"{entry.where}.name", f"{name!r} is defined twice")
                    replaced = index.get(key)
                    if replaced is not None and replaced.path != entry.path:
                        self._override(kind, name, entry, replaced)
                    index[key] = entry  # later folders (user presets) replace earlier ones
            self._index[kind] = index
        return self._index[kind]

    def _override(self, kind: str, name: str, entry: Entry, replaced: Entry) -> None:
        """Record (once per pair) that ``entry`` from a user file replaces ``replaced``."""
        old = replaced.data["name"]
        if (kind, old) in self.overrides:
            return
        self.overrides[(kind, old)] = entry
        via = "" if normalize_name(name) == normalize_name(old) else f" through the name {name!r}"
        self.notices.append(
            f"{entry.path}: {kind} preset {entry.data['name']!r} overrides {old!r} from {replaced.path}{via}"
        )

    def origin(self, kind: str, name: str) -> Path | None:
        """The user file the preset ``name`` comes from, or None for a built-in preset (or no preset:
        a shape derived from a parameter count). With no user file holding ``kind``, the built-in
        files of that kind are not parsed to say so."""
        if kind not in self.user_kinds():
            return None
        entry = self._index_of(kind).get(normalize_name(name))
        return None if entry is None or entry.builtin else entry.path

    def user_kinds(self) -> set[str]:
        """The kinds of table the user's preset files hold (built-in files not counted)."""
        return {kind for f in self.files if not f.builtin for kind in f.kinds}

    def data(self, kind: str) -> list[Entry]:
        """Entries of a data kind (``run``, ``pue``...); user files' entries come after built-ins."""
        return self._entries(kind)

    def names(self, kind: str) -> list[str]:
        """Canonical names of every preset of ``kind``, in file order, without duplicates."""
        seen: dict[str, None] = {}
        for entry in self._index_of(kind).values():
            seen.setdefault(entry.data["name"], None)
        return list(seen)

    def find(self, kind: str, name: str) -> Any | None:
        entry = self._index_of(kind).get(normalize_name(name))
        if entry is None:
            return None
        key = (kind, entry.data["name"])
        if key not in self._specs:
            self._specs[key] = validate_entry(entry, NAMED_KINDS[kind])
        return self._specs[key]

    def get(self, kind: str, name: str, *, field_name: str | None = None) -> Any:
        found = self.find(kind, name)
        if found is None:
            raise InputError(field_name or kind, self.unknown_message(name, [kind]))
        return found

    def unknown_message(self, name: str, kinds: Sequence[str]) -> str:
        import difflib  # only for a name not found

        keys = [k for kind in kinds for k in self._index_of(kind)]
        close = difflib.get_close_matches(normalize_name(name), keys, n=3, cutoff=0.5)
        what = " or ".join(kinds)
        message = f"unknown {what} preset {name!r}"
        if close:
            canonical = dict.fromkeys(
                self._index_of(k)[c].data["name"] for k in kinds for c in close if c in self._index_of(k)
            )
            message += f"; did you mean {' or '.join(canonical)}?"
        else:
            message += "; run 'costcalc presets' to list them"
        return message

    def accelerator(self, name: str) -> AcceleratorSpec:
        spec: AcceleratorSpec = self.get("accelerator", name, field_name="gpu")
        return spec

    def model(self, name: str) -> ModelSpec:
        spec: ModelSpec = self.get("model", name, field_name="model")
        return spec

    def hardware(self, name: str, *, field_name: str = "gpu") -> AcceleratorSpec | NodeSpec:
        """An accelerator or a node preset, whichever the name belongs to."""
        found = self.find("accelerator", name) or self.find("node", name)
        if found is None:
            raise InputError(field_name, self.unknown_message(name, ["accelerator", "node"]))
        result: AcceleratorSpec | NodeSpec = found
        return result

    def all(self, kind: str) -> list[Any]:
        return [self.get(kind, name) for name in self.names(kind)]


@cache
def _cached_catalog(extra_dirs: tuple[str, ...], state: tuple[object, ...]) -> Catalog:
    return Catalog.load(extra_dirs)


#: The catalog ``default_catalog`` last returned for each tuple of extra folders (for ``notices``).
_LAST: dict[tuple[str, ...], Catalog] = {}


def default_catalog(extra_dirs: Iterable[Path | str] = ()) -> Catalog:
    """The catalog for these extra folders, loaded once per process and reloaded when a file changes.

    ``extra_dirs`` is checked as ``presets=`` is (``given_folders``): an ``InputError`` for a bad one.
    """
    extra = given_folders(extra_dirs)
    dirs = [builtin_presets_dir(), *(Path(d) for d in extra), *user_preset_dirs()]
    _LAST[extra] = _cached_catalog(extra, folder_state(dirs))
    return _LAST[extra]


def catalog_for(presets: Any = (), catalog: Any = None) -> Catalog:
    """The catalog an API call uses: ``catalog`` if given (it must be a ``Catalog``), else the
    default catalog with the ``presets`` folders. Giving both is an ``InputError``."""
    if catalog is None:
        return default_catalog(presets)
    if not isinstance(catalog, Catalog):
        raise InputError("catalog", f"expected a costcalc.Catalog (from Catalog.load()), got {type(catalog).__name__}")
    if given_folders(presets):
        raise InputError("presets", "give presets (folders) or a catalog, not both: Catalog.load(folders) reads them")
    return catalog


def forget_used() -> None:
    """Forget which catalogs were used, so that ``notices`` speaks of the next command's only (the CLI
    calls it as a command starts: in one process, the API or the tests may have run others before)."""
    _LAST.clear()


def notices(extra_dirs: Iterable[Path | str] = ()) -> list[str]:
    """What the user should know about their presets (overrides, unread folders); none if they fail to load.
    From the catalog last used for these folders: a command's own, without a second look at the folders."""
    extra = tuple(str(d) for d in extra_dirs)
    try:
        return (_LAST.get(extra) or default_catalog(extra)).notices
    except CostcalcError:
        return []  # the error itself is reported where the catalog was needed
