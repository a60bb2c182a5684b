"""The static files are collected before a server listens, and only what changed since the
last start (collecting and compressing all of them costs seconds of CPU at every start)."""

from __future__ import annotations

import gzip
import os

from openivan.platform import static_files


def small_site(settings, tmp_path):  # type: ignore[no-untyped-def]
    """One folder of sources instead of every app's: the same code path, a fraction of the
    files."""
    source = tmp_path / "sources"
    source.mkdir()
    (source / "site.css").write_text("body { color: #a00 }\n" * 100)
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STATICFILES_DIRS = [str(source)]
    settings.STATIC_ROOT = str(tmp_path / "static")
    return source, tmp_path / "static"


def test_a_second_start_collects_nothing(settings, tmp_path):
    _source, collected = small_site(settings, tmp_path)
    assert static_files.collect()
    assert (collected / "site.css").exists() and (collected / "site.css.gz").exists()
    stamp = (collected / static_files.STAMP).stat().st_mtime_ns
    assert not static_files.collect()
    assert (collected / static_files.STAMP).stat().st_mtime_ns == stamp


def test_a_changed_or_new_source_is_collected_and_compressed_again(settings, tmp_path):
    source, collected = small_site(settings, tmp_path)
    static_files.collect()
    changed = source / "site.css"
    changed.write_text("body { color: #00a }\n" * 100)
    later = changed.stat().st_mtime + 2  # a deployment, seconds after the last collection
    os.utime(changed, (later, later))
    assert static_files.collect()
    assert (collected / "site.css").read_text() == "body { color: #00a }\n" * 100
    assert b"#00a" in gzip.decompress((collected / "site.css.gz").read_bytes())
    (source / "app.js").write_text("console.log('xin chào');\n" * 50)
    assert static_files.collect()
    assert (collected / "app.js").exists()


def test_a_release_rolled_back_to_older_files_gets_its_own_copies(settings, tmp_path):
    # Unpacked with their old times: collectstatic alone keeps the newer copies.
    source, collected = small_site(settings, tmp_path)
    static_files.collect()
    older = source / "site.css"
    older.write_text("body { color: #0a0 }\n" * 100)
    os.utime(older, (1_000_000_000, 1_000_000_000))
    assert static_files.collect()
    assert (collected / "site.css").read_text() == older.read_text()
    assert b"#0a0" in gzip.decompress((collected / "site.css.gz").read_bytes())


def test_servers_of_other_roles_share_the_folder_without_rewriting_each_others_files(
        settings, tmp_path):
    source, collected = small_site(settings, tmp_path)
    static_files.collect()
    compressed = (collected / "site.css.gz").stat().st_mtime_ns
    other = tmp_path / "other-app"
    other.mkdir()
    (other / "portal.js").write_text("// the portal's\n" * 100)
    settings.STATICFILES_DIRS = [str(source), str(other)]
    assert static_files.collect()  # another set of files: collected beside the first
    assert (collected / "portal.js.gz").exists()
    # The first set's compressed copies, which a server may be sending, were not rewritten.
    assert (collected / "site.css.gz").stat().st_mtime_ns == compressed
    settings.STATICFILES_DIRS = [str(source)]
    assert not static_files.collect()  # the first set is still whole


def test_a_collected_file_removed_by_hand_is_collected_again(settings, tmp_path):
    _source, collected = small_site(settings, tmp_path)
    static_files.collect()
    (collected / "site.css").unlink()  # the stamp stays
    assert static_files.collect()
    assert (collected / "site.css").exists()
