from datetime import UTC, datetime, timedelta

from config.operations.rotation import backups_to_keep


def nightly(days: int, *, last=datetime(2026, 12, 7, 2, 30, tzinfo=UTC)) -> list[datetime]:
    return [last - timedelta(days=back) for back in range(days)]


def test_it_keeps_everything_while_there_are_fewer_than_seven_nights():
    taken = nightly(5)
    assert backups_to_keep(taken=taken) == set(taken)


def test_it_keeps_seven_nights_and_the_newest_of_four_iso_weeks():
    taken = nightly(60)  # 2026-12-07 is a Monday
    kept = backups_to_keep(taken=taken)
    daily = set(taken[:7])
    # The newest of each ISO week: Monday 7 Dec (week 50), then the Sundays 6 Dec, 29 Nov, 22 Nov.
    weekly = {datetime(2026, 12, day, 2, 30, tzinfo=UTC) for day in (7, 6)} | {
        datetime(2026, 11, day, 2, 30, tzinfo=UTC) for day in (29, 22)
    }
    assert kept == daily | weekly
    assert len(kept) == 9


def test_it_keeps_only_the_newest_backup_of_a_day():
    morning = datetime(2026, 12, 7, 2, 30, tzinfo=UTC)
    before_upgrade = morning + timedelta(hours=8)
    assert backups_to_keep(taken=[morning, before_upgrade]) == {before_upgrade}


def test_a_server_that_was_off_for_weeks_keeps_its_last_backups():
    old = nightly(10, last=datetime(2026, 9, 1, 2, 30, tzinfo=UTC))
    assert set(old[:7]) <= backups_to_keep(taken=old)


def test_a_copy_of_the_code_without_git_names_its_release_from_pyproject(tmp_path, settings):
    """deploy/install.sh rsyncs the code without .git, and the project is not an installed package."""
    from config.operations.backup import code_version

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "openrdv"\nversion = "9.8.7"\n')
    settings.BASE_DIR = tmp_path
    assert code_version() == "9.8.7"
