"""Fetching and caching wheels, with a fake package index: no network."""

import hashlib
import io
import json
import urllib.error

import pytest

from bot.verify.wheel import Wheel, WheelError, fetch_wheel
from tests.verify.synthetic import make_wheel

INDEX = "https://index.invalid/simple/trl/"


class FakeIndex:
    """Serves a PEP 691 page and wheel files; counts requests."""

    def __init__(self, wheels: dict[str, bytes], sha_override: str | None = None, down: bool = False):
        self.wheels = wheels
        self.sha_override = sha_override
        self.down = down
        self.requests: list[str] = []

    def __call__(self, request, timeout):
        url = request.full_url
        self.requests.append(url)
        if self.down:
            raise urllib.error.URLError("name resolution failed")
        if url == INDEX:
            assert request.get_header("Accept") == "application/vnd.pypi.simple.v1+json"
            files = [
                {
                    "filename": name,
                    "url": f"https://files.invalid/{name}",
                    "hashes": {"sha256": self.sha_override or hashlib.sha256(data).hexdigest()},
                }
                for name, data in self.wheels.items()
            ]
            files.append({"filename": "trl-9.9.0.tar.gz", "url": "https://files.invalid/x", "hashes": {"sha256": "0"}})
            return io.BytesIO(json.dumps({"meta": {"api-version": "1.1"}, "files": files}).encode())
        return io.BytesIO(self.wheels[url.rsplit("/", 1)[-1]])


@pytest.fixture
def wheel_bytes(tmp_path):
    return make_wheel(tmp_path / "src").read_bytes()


def test_download_is_verified_cached_and_reused(tmp_path, wheel_bytes):
    """The first call downloads and checks sha256; the second reads the cache without any request."""
    index = FakeIndex({"trl-9.9.0-py3-none-any.whl": wheel_bytes})
    cache = tmp_path / "cache"
    path = fetch_wheel("9.9.0", cache, index_url=INDEX, opener=index)
    assert path == cache / "trl-9.9.0-py3-none-any.whl"
    assert path.read_bytes() == wheel_bytes
    assert Wheel.open(path).version == "9.9.0"
    assert len(index.requests) == 2
    assert fetch_wheel("9.9.0", cache, index_url=INDEX, opener=index) == path
    assert len(index.requests) == 2
    assert [p.name for p in cache.iterdir()] == ["trl-9.9.0-py3-none-any.whl"]  # no temporary files left


def test_a_damaged_cached_copy_is_fetched_again(tmp_path, wheel_bytes):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "trl-9.9.0-py3-none-any.whl").write_bytes(b"truncated")
    index = FakeIndex({"trl-9.9.0-py3-none-any.whl": wheel_bytes})
    assert fetch_wheel("9.9.0", cache, index_url=INDEX, opener=index).read_bytes() == wheel_bytes


def test_a_hash_mismatch_is_refused_and_nothing_is_cached(tmp_path, wheel_bytes):
    index = FakeIndex({"trl-9.9.0-py3-none-any.whl": wheel_bytes}, sha_override="0" * 64)
    with pytest.raises(WheelError, match="does not match the index's"):
        fetch_wheel("9.9.0", tmp_path / "cache", index_url=INDEX, opener=index)
    assert list((tmp_path / "cache").iterdir()) == []


def test_an_unknown_version_lists_recent_releases(tmp_path, wheel_bytes):
    index = FakeIndex({"trl-9.9.0-py3-none-any.whl": wheel_bytes, "trl-9.10.0-py3-none-any.whl": wheel_bytes})
    with pytest.raises(WheelError) as info:
        fetch_wheel("9.8.7", tmp_path / "cache", index_url=INDEX, opener=index)
    assert str(info.value) == f"trl 9.8.7 has no wheel on the package index ({INDEX}); recent releases: 9.9.0, 9.10.0"


@pytest.mark.parametrize("version", ["latest", "1.16.0; rm -rf /", "../1.0", ""])
def test_a_malformed_version_is_refused_before_any_request(tmp_path, version):
    index = FakeIndex({})
    with pytest.raises(WheelError, match="is not a TRL version number"):
        fetch_wheel(version, tmp_path, index_url=INDEX, opener=index)
    assert index.requests == []


def test_an_unreachable_index_is_one_clear_error(tmp_path):
    with pytest.raises(WheelError, match=r"cannot read the package index .*name resolution failed"):
        fetch_wheel("9.9.0", tmp_path, index_url=INDEX, opener=FakeIndex({}, down=True))


def test_files_that_are_not_trl_wheels_are_refused(tmp_path):
    (tmp_path / "x.whl").write_text("not a zip")
    with pytest.raises(WheelError, match=r"cannot read .* as a wheel"):
        Wheel.open(tmp_path / "x.whl")
    other = make_wheel(tmp_path / "other", files={"other/__init__.py": ""})
    with pytest.raises(WheelError, match=r"holds no trl/__init__\.py"):
        Wheel.open(other)


def test_an_unpacked_wheel_folder_reads_like_the_wheel(tmp_path):
    import zipfile

    path = make_wheel(tmp_path)
    zipfile.ZipFile(path).extractall(tmp_path / "unpacked")
    folder = Wheel.open(tmp_path / "unpacked")
    assert folder.version == "9.9.0"
    assert folder.text("trl/data_utils.py") == Wheel.open(path).text("trl/data_utils.py")
