"""Availability text is read in each contact's own time zone: the seed's forms, 24-hour forms,
On-call, the minute a window opens and closes, daylight saving time, and unreadable text as a
FILE:LINE: field: message problem."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookstore_resil.analyse.people import is_available
from bookstore_resil.define.availability import parse_availability
from bookstore_resil.define.loader import load_system
from bookstore_resil.define.model import Contact
from bookstore_resil.errors import DefinitionError
from tests.readiness_builders import copy_bookstore, edit_yaml

LA = "America/Los_Angeles"
WEEKDAYS = "9 - 5, M - F"
WEEKENDS_TOO = "9 - 5, M - F; 10 - 2, S & S"


def local(text: str, zone: str = LA) -> datetime:
    """A local wall-clock time in ``zone``: ``2024-05-06 09:00`` is a Monday."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def available(text: str, moment: datetime, zone: str = LA) -> bool:
    return parse_availability(text).at(moment, zone)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2024-05-06 08:59", False),  # Monday, a minute before the window
        ("2024-05-06 09:00", True),  # opens on the minute
        ("2024-05-06 16:59", True),
        ("2024-05-06 17:00", False),  # closes on the minute
        ("2024-05-10 12:00", True),  # Friday
        ("2024-05-11 12:00", False),  # Saturday
        ("2024-05-12 12:00", False),  # Sunday
    ],
)
def test_nine_to_five_monday_to_friday(moment, expected):
    assert available(WEEKDAYS, local(moment)) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2024-05-06 16:59", True),  # weekdays as before
        ("2024-05-11 09:59", False),  # Saturday before 10
        ("2024-05-11 10:00", True),
        ("2024-05-11 13:59", True),
        ("2024-05-11 14:00", False),  # 2 is 14:00
        ("2024-05-12 11:00", True),  # "S & S" is Saturday and Sunday
        ("2024-05-12 15:00", False),
    ],
)
def test_weekend_hours_are_added_by_the_second_window(moment, expected):
    assert available(WEEKENDS_TOO, local(moment)) is expected


@pytest.mark.parametrize("text", ["On-call", "on call", "24/7", "always"])
def test_on_call_is_always_available(text):
    start = local("2024-05-11 03:17")
    assert all(available(text, start + timedelta(hours=h)) for h in range(0, 24 * 7, 5))


@pytest.mark.parametrize(
    ("seed", "twenty_four_hour"),
    [
        (WEEKDAYS, "09:00-17:00, Mon-Fri"),
        (WEEKDAYS, "9am - 5pm, weekdays"),
        (WEEKENDS_TOO, "09:00-17:00, Monday-Friday; 10:00-14:00, Sat & Sun"),
        ("9 - 5, M - F; 10 - 2, S & S", "09:00 - 17:00, mo-fr; 10:00-14:00, weekends"),
    ],
)
def test_twenty_four_hour_forms_mean_the_same_as_the_seed(seed, twenty_four_hour):
    assert parse_availability(seed).windows == parse_availability(twenty_four_hour).windows


def test_a_window_past_midnight_continues_into_the_next_day():
    night = "22:00-06:00, Fri"
    assert available(night, local("2024-05-10 22:00"))  # Friday night
    assert available(night, local("2024-05-11 05:59"))  # Saturday morning
    assert not available(night, local("2024-05-11 06:00"))
    assert not available(night, local("2024-05-10 05:00"))  # Friday morning: Thursday's night


def test_the_same_moment_is_read_in_each_contacts_time_zone():
    moment = datetime(2024, 5, 6, 16, 30, tzinfo=timezone.utc)  # 09:30 in LA, 17:30 in London
    la = Contact(name="Alice", availability=WEEKDAYS, timezone=LA)
    london = Contact(name="Oliver", availability=WEEKDAYS, timezone="Europe/London")
    tokyo = Contact(name="Yui", availability=WEEKDAYS, timezone="Asia/Tokyo")  # Tue 01:30
    assert is_available(la, moment)
    assert not is_available(london, moment)
    assert not is_available(tokyo, moment)
    assert is_available(london, moment - timedelta(hours=1))


def test_a_naive_moment_is_utc():
    contact = Contact(name="Alice", availability=WEEKDAYS, timezone=LA)
    assert is_available(contact, datetime(2024, 5, 6, 16, 30))
    assert not is_available(contact, datetime(2024, 5, 6, 15, 30))


def test_daylight_saving_time_moves_the_window_in_utc():
    contact = Contact(name="Alice", availability=WEEKDAYS, timezone=LA)
    # Friday 8 March 2024 is still PST (UTC-8): 09:00 local is 17:00 UTC.
    assert not is_available(contact, datetime(2024, 3, 8, 16, 30, tzinfo=timezone.utc))
    assert is_available(contact, datetime(2024, 3, 8, 17, 0, tzinfo=timezone.utc))
    assert is_available(contact, datetime(2024, 3, 9, 0, 59, tzinfo=timezone.utc))  # 16:59 PST
    # Monday 11 March 2024 is PDT (UTC-7): 09:00 local is 16:00 UTC, 17:00 is midnight UTC.
    assert is_available(contact, datetime(2024, 3, 11, 16, 0, tzinfo=timezone.utc))
    assert is_available(contact, datetime(2024, 3, 11, 23, 59, tzinfo=timezone.utc))
    assert not is_available(contact, datetime(2024, 3, 12, 0, 0, tzinfo=timezone.utc))


def test_weekend_hours_across_the_spring_forward_sunday():
    bob = Contact(name="Bob", availability=WEEKENDS_TOO, timezone=LA)
    # Sunday 10 March 2024 the clocks jump 02:00 -> 03:00; 10:00 PDT is 17:00 UTC.
    assert is_available(bob, datetime(2024, 3, 10, 17, 0, tzinfo=timezone.utc))
    assert not is_available(bob, datetime(2024, 3, 10, 16, 59, tzinfo=timezone.utc))
    # The Sunday before, 10:00 PST was 18:00 UTC.
    assert not is_available(bob, datetime(2024, 3, 3, 17, 30, tzinfo=timezone.utc))
    assert is_available(bob, datetime(2024, 3, 3, 18, 0, tzinfo=timezone.utc))


@given(
    start=st.integers(0, 23 * 60),
    length=st.integers(1, 60 * 10),
    moment=st.datetimes(
        min_value=datetime(2020, 1, 1),
        max_value=datetime(2030, 1, 1),
        timezones=st.just(timezone.utc),
    ),
)
def test_a_24_hour_weekday_window_matches_the_local_clock(start, length, moment):
    end = min(start + length, 24 * 60)
    text = f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}, Mon-Fri"
    clock = moment.astimezone(ZoneInfo(LA))
    minute = clock.hour * 60 + clock.minute
    assert available(text, moment) is (clock.weekday() < 5 and start <= minute < end)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("whenever", "not a range of hours"),
        ("9 - 5, T", "ambiguous (Tue or Thu?)"),
        ("9 - 5, S", "ambiguous (Sat or Sun?)"),
        ("9 - 5, M - Funday", "'funday' is not a day"),
        ("25:00-26:00", "hour 25:00 is out of range"),
        ("09:60-10:00", "minute 60 is out of range"),
        ("13pm - 5pm", "hour 13pm is out of range"),
        ("09:00-09:00", "empty range"),
        ("", "empty availability"),
        ("9 - 5, M - F;", "'' is not a range of hours"),
    ],
)
def test_unreadable_availability_says_why(text, why):
    with pytest.raises(ValueError, match="expected 'On-call'") as caught:
        parse_availability(text)
    assert why in str(caught.value)


def test_an_unreadable_availability_is_a_file_line_field_problem(tmp_path):
    folder = copy_bookstore(tmp_path)
    contacts = folder / "contacts.yaml"
    edit_yaml(contacts, lambda doc: doc["contacts"][1].update(availability="9 to 5ish, M - F"))
    line = next(
        number
        for number, text in enumerate(contacts.read_text().splitlines(), start=1)
        if "9 to 5ish" in text
    )
    with pytest.raises(DefinitionError) as caught:
        load_system(folder)
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.field) == (
        str(contacts),
        line,
        "contacts[1].availability",
    )
    assert problem.message.startswith("cannot read '9 to 5ish, M - F': ")


def test_the_field_keeps_the_raw_text():
    contact = Contact(name="Bob", availability=WEEKENDS_TOO)
    assert contact.availability == WEEKENDS_TOO
    assert str(parse_availability(WEEKENDS_TOO)) == "09:00-17:00 Mon-Fri; 10:00-14:00 Sat,Sun"
