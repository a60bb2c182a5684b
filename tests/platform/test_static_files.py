"""The static files are collected before a server listens, and only when they changed since
the last start (collecting and compressing all of them costs seconds of CPU at every start)."""

from __future__ import annotations

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


def test_a_changed_or_new_source_is_collected_again(settings, tmp_path):
    source, collected = small_site(settings, tmp_path)
    static_files.collect()
    changed = source / "site.css"
    changed.write_text("body { color: #00a }\n")
    later = changed.stat().st_mtime + 2  # a deployment, seconds after the last collection
    os.utime(changed, (later, later))
    assert static_files.collect()
    assert (collected / "site.css").read_text() == "body { color: #00a }\n"
    (source / "app.js").write_text("console.log('xin chào');\n")
    assert static_files.collect()
    assert (collected / "app.js").exists()


def test_servers_of_other_roles_share_the_folder_without_removing_each_others_files(
        settings, tmp_path):
    source, collected = small_site(settings, tmp_path)
    static_files.collect()
    other = tmp_path / "other-app"
    other.mkdir()
    (other / "portal.js").write_text("// the portal's\n")
    settings.STATICFILES_DIRS = [str(source), str(other)]
    assert static_files.collect()  # another set of files: collected beside the first
    settings.STATICFILES_DIRS = [str(source)]
    assert not static_files.collect()  # the first set is still whole
    assert (collected / "portal.js").exists() and (collected / "site.css").exists()


def test_collected_files_removed_by_hand_are_collected_again(settings, tmp_path):
    _source, collected = small_site(settings, tmp_path)
    static_files.collect()
    for name in os.listdir(collected):
        (collected / name).unlink()
    assert static_files.collect()
    assert (collected / "site.css").exists()
