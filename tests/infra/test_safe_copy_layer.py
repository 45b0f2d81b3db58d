"""The sanitiser function's layer (issue 16, item 6): Pillow and pikepdf at the pins the tests
ran, as wheels Amazon Linux 2023 loads, built by `make package` (infra/package_code.py); the
package every other function loads holds none of it and stays under its limit."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from infra.bench.cold_start import package_contents
from infra.package_code import LAYER_FOLDER, build_layer, pins
from tests.infra.conftest import ROOT, Packaged
from tests.infra.test_deployment_package import MAX_ZIPPED_BYTES

# Lambda: a function's code and all its layers, unzipped, at most 250 MB.
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024
# The glibc of Amazon Linux 2023, the OS of the python3.12 runtime.
AL2023_GLIBC = (2, 34)
_WHEEL_TAG = re.compile(r"^Tag: (?P<python>[^-]+)-(?P<abi>[^-]+)-(?P<platform>.+)$", re.M)
_MANYLINUX = re.compile(r"manylinux_(?P<major>\d+)_(?P<minor>\d+)_x86_64|manylinux2014_x86_64")


@pytest.fixture(scope="module")
def layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built as `make package` builds it (pip, from PyPI or its cache)."""
    target = tmp_path_factory.mktemp("layer") / "safe-copy-layer.zip"
    build_layer(target)
    return target


def wheel_tags(archive: zipfile.ZipFile) -> dict[str, list[str]]:
    """Each installed distribution's WHEEL tags ("cp312-cp312-manylinux_2_28_x86_64")."""
    tags: dict[str, list[str]] = {}
    for name in archive.namelist():
        if name.endswith(".dist-info/WHEEL"):
            text = archive.read(name).decode()
            tags[name.split("/")[1]] = [
                f"{m['python']}-{m['abi']}-{m['platform']}" for m in _WHEEL_TAG.finditer(text)
            ]
    return tags


def test_the_layer_holds_pillow_and_pikepdf_at_their_pins_for_python_3_12(layer: Path) -> None:
    pinned = pins(ROOT / "requirements-dev.txt")
    with zipfile.ZipFile(layer) as archive:
        names = archive.namelist()
        tags = wheel_tags(archive)
    assert all(name.startswith(f"{LAYER_FOLDER}/") for name in names)
    assert f"{LAYER_FOLDER}/PIL/Image.py" in names
    assert f"{LAYER_FOLDER}/pikepdf/__init__.py" in names
    assert f"{LAYER_FOLDER}/pillow-{pinned['pillow']}.dist-info/WHEEL" in names
    assert f"{LAYER_FOLDER}/pikepdf-{pinned['pikepdf']}.dist-info/WHEEL" in names
    for distribution, found in tags.items():
        assert found, distribution
        for tag in found:
            python, abi, platform = tag.split("-")
            assert python in ("cp312", "py3"), tag
            if platform == "any":
                continue
            assert abi in ("cp312", "abi3"), tag
            glibc = _MANYLINUX.fullmatch(platform)
            assert glibc is not None, tag
            needs = (int(glibc["major"]), int(glibc["minor"])) if glibc["major"] else (2, 17)
            assert needs <= AL2023_GLIBC, tag


def test_the_layer_is_built_the_same_twice(layer: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.zip"
    build_layer(again)
    assert again.read_bytes() == layer.read_bytes()  # same pins, same layer version


def test_the_other_functions_package_holds_none_of_it_and_stays_under_its_limit(
    packaged: Packaged, layer: Path
) -> None:
    package = packaged.path.parent / "deployment.zip"
    shipped = {name.split("-")[0].lower() for name in package_contents(package).by_top_level}
    assert not shipped & {"pil", "pikepdf", "lxml", "pillow"}
    assert package.stat().st_size <= MAX_ZIPPED_BYTES
    with zipfile.ZipFile(package) as code, zipfile.ZipFile(layer) as libraries:
        unzipped = sum(i.file_size for i in code.infolist() + libraries.infolist())
    assert unzipped <= MAX_UNZIPPED_BYTES
