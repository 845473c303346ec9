"""Every catalog is complete in both Chinese scripts, and the committed .mo files match."""

from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = sorted(
    p for p in ROOT.glob("**/locale/*/LC_MESSAGES/django.po") if ".venv" not in p.parts
)


def test_catalogs_exist_for_both_scripts():
    languages = {p.parts[-3] for p in CATALOGS}
    assert {"zh_Hans", "zh_Hant"} <= languages


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalog_fully_translated_and_compiled(po_path):
    po = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in po if not e.obsolete and not e.translated()]
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    assert not untranslated, f"untranslated: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:10]}"
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), "run `make messages` to compile"
    mo = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in polib.mofile(str(mo_path))
    }
    for entry in po.translated_entries():
        assert mo.get((entry.msgctxt, entry.msgid)) == (
            entry.msgstr,
            tuple(sorted(entry.msgstr_plural.items())),
        ), f".mo is stale for {entry.msgid!r}: run `make messages`"


def test_both_scripts_translate_the_same_strings():
    by_dir: dict[Path, dict[str, set]] = {}
    for path in CATALOGS:
        by_dir.setdefault(path.parents[2], {})[path.parts[-3]] = {
            e.msgid for e in polib.pofile(str(path)) if not e.obsolete
        }
    for directory, langs in by_dir.items():
        assert langs.get("zh_Hans") == langs.get("zh_Hant"), directory
