"""`manage.py import_catalog` and `manage.py export_catalog`."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Organization
from registry.catalog import export_catalog
from registry.management.commands.import_catalog import Command as ImportCommand
from registry.models import Tool

from .helpers import database_state


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_prints_a_summary_per_section(data_dir):
    out, _err = run("import_catalog", str(data_dir / "with_needs_and_offers.json"))

    assert out.splitlines() == [
        "organizations: 3 created, 0 updated, 0 unchanged",
        "tools: 3 created, 0 updated, 0 unchanged",
        "needs: 2 created, 0 updated, 0 unchanged",
        "license_offers: 2 created, 0 updated, 0 unchanged",
    ]
    assert Tool.objects.count() == 3


def test_second_import_prints_all_unchanged(data_dir):
    path = str(data_dir / "with_needs_and_offers.json")
    run("import_catalog", path)

    out, _err = run("import_catalog", path)

    assert "tools: 0 created, 0 updated, 3 unchanged" in out
    assert "license_offers: 0 created, 0 updated, 2 unchanged" in out


def test_import_with_problems_prints_them_to_stderr_and_fails(tmp_path, demo):
    demo["tools"][1]["functions"] = ["foo"]
    demo["organizations"][1]["country"] = "ZZ"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(demo), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_catalog", str(path), stdout=out, stderr=err)

    assert err.getvalue().splitlines() == [
        "organizations[1]/policia-unidade-digital, country: "
        "ZZ is not an ISO 3166-1 alpha-2 country code.",
        "tools[1]/harbour-light-casebook, functions: Unknown code “foo”.",
    ]
    assert out.getvalue() == ""
    assert not Organization.objects.exists()


def test_dry_run_prints_what_would_change_and_writes_nothing(data_dir):
    before = database_state()

    out, _err = run("import_catalog", str(data_dir / "with_needs_and_offers.json"), "--dry-run")

    assert out.startswith("Dry run: nothing was written.")
    assert "tools: 3 created, 0 updated, 0 unchanged" in out
    assert database_state() == before


def test_higher_verbosity_lists_each_change(data_dir):
    out, _err = run(
        "import_catalog", str(data_dir / "with_needs_and_offers.json"), "--verbosity", "2"
    )

    assert "tools/lanternworks-tracer: created" in out.splitlines()


def test_format_option_overrides_the_suffix(tmp_path, data_dir):
    run("import_catalog", str(data_dir / "with_needs_and_offers.json"))
    path = tmp_path / "tools.txt"
    path.write_text((data_dir / "tools.csv").read_text(encoding="utf-8"), encoding="utf-8")

    out, _err = run("import_catalog", str(path), "--format", "csv")

    assert "tools: 2 created, 0 updated, 0 unchanged" in out


def test_file_of_unknown_format_fails(tmp_path):
    path = tmp_path / "tools.txt"
    path.write_text("key,name\n", encoding="utf-8")

    with pytest.raises(CommandError):
        run("import_catalog", str(path))


def test_progress_bar_is_shown_only_on_a_terminal(data_dir, capsys):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    command = ImportCommand()
    call_command(
        command,
        str(data_dir / "with_needs_and_offers.json"),
        stdout=Terminal(),
        stderr=io.StringIO(),
    )
    assert "Importing" in capsys.readouterr().err

    run("import_catalog", str(data_dir / "with_needs_and_offers.json"))
    assert "Importing" not in capsys.readouterr().err


def test_export_writes_json_to_stdout(data_dir):
    run("import_catalog", str(data_dir / "with_needs_and_offers.json"))

    out, _err = run("export_catalog")

    assert out == export_catalog("json")


def test_export_writes_csv_to_a_file(tmp_path, data_dir):
    run("import_catalog", str(data_dir / "with_needs_and_offers.json"))
    target = tmp_path / "out" / "tools.csv"
    target.parent.mkdir()

    run("export_catalog", "--format", "csv", "--output", str(target))

    assert target.read_bytes() == export_catalog("csv").encode("utf-8")


def test_exported_file_imports_back_unchanged(tmp_path, data_dir):
    run("import_catalog", str(data_dir / "with_needs_and_offers.json"))
    target = tmp_path / "catalogue.json"
    run("export_catalog", "--output", str(target))

    out, _err = run("import_catalog", str(target))

    assert "0 created, 0 updated" in out
    assert " updated, 0 unchanged" not in out


def test_export_to_an_unwritable_place_fails(tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        run("export_catalog", "--output", str(tmp_path / "missing-dir" / "x.json"))
