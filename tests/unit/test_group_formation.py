"""Group formation (lms.groups.formation) for 32 realistic participants: valid sizes,
a two-hour window for every group, nobody avoidably alone in their gender, better than a
random split on every criterion over many seeds, deterministic for a seed."""
from __future__ import annotations

import random
import statistics
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from lms.groups.formation import FormationError, Person, Settings, evaluate, form_groups, group_sizes
from tests.cohort_people import PEOPLE

SETTINGS = Settings(5, 6, date(2024, 11, 13))
EVERYONE = [Person(i + 1, name, zone, country, region, org, gender)
            for i, (name, _, country, region, zone, org, gender) in enumerate(PEOPLE)]
SEEDS = range(8)


def _criteria(groups):
    return {
        "shortest window (min)": min(g.window_minutes for g in groups),
        "countries": sum(g.countries for g in groups),
        "regions": sum(g.regions for g in groups),
        "colleagues together (fewer is better)": -sum(g.colleagues for g in groups),
        "people alone in their gender (fewer is better)": -sum(g.isolated for g in groups),
        "weakest group's score": min(g.score for g in groups),
    }


def _random_split(seed):
    order = EVERYONE[:]
    random.Random(seed).shuffle(order)
    groups, start = [], 0
    for size in group_sizes(len(order), 5, 6):
        groups.append(order[start:start + size])
        start += size
    return evaluate(groups, EVERYONE, SETTINGS)


@pytest.fixture(scope="module")
def formed():
    return {seed: form_groups(EVERYONE, SETTINGS, seed) for seed in SEEDS}


@pytest.mark.parametrize(("count", "sizes"), [(32, [6, 6, 5, 5, 5, 5]), (30, [6] * 5), (11, [6, 5]), (5, [5]),
                                              (25, [5] * 5), (36, [6] * 6)])
def test_sizes_stay_in_the_range(count, sizes):
    assert group_sizes(count, 5, 6) == sizes


@pytest.mark.parametrize(("count", "low", "high", "says"), [
    (4, 5, 6, "only 4 participant(s): fewer than the smallest group size (5)"),
    (7, 5, 6, "7 participants cannot be split into groups of 5–6: 1 group(s) hold at most 6, "
              "and 2 groups need at least 10"),
    (0, 5, 6, "no participants"),
])
def test_no_valid_split_says_why(count, low, high, says):
    with pytest.raises(FormationError, match=says.replace("(", r"\(").replace(")", r"\)")):
        group_sizes(count, low, high)


def test_every_group_is_valid_can_meet_and_leaves_nobody_alone(formed):
    for formation in formed.values():
        assert sorted(len(g.members) for g in formation.groups) == [5, 5, 5, 5, 6, 6]
        assert sorted(p.key for g in formation.groups for p in g.members) == list(range(1, 33))
        for group in formation.groups:
            assert group.window_minutes >= 120 and group.windows, group.reasons
            for start, end in group.windows:
                for person in group.members:  # inside each member's 08:00–20:00 on a weekday
                    zone = ZoneInfo(person.timezone)
                    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
                    assert local_start.weekday() < 5 and local_start.date() == local_end.date()
                    assert time(8) <= local_start.time() and local_end.time() <= time(20), (person, start, end)
            assert group.isolated == 0, group.reasons
            assert group.colleagues == 0, group.reasons
            assert "nobody alone in their gender" in group.reasons


def test_better_than_random_on_every_criterion_over_many_seeds(formed):
    ours = [_criteria(formed[seed].groups) for seed in SEEDS]
    chance = [_criteria(_random_split(seed)) for seed in SEEDS]
    for name in ours[0]:
        mine, theirs = statistics.mean(c[name] for c in ours), statistics.mean(c[name] for c in chance)
        assert mine > theirs or (mine == theirs == max(c[name] for c in ours)), (name, mine, theirs)
    # The weakest group of every formation beats the weakest group of every random split.
    assert min(c["weakest group's score"] for c in ours) > max(c["weakest group's score"] for c in chance)


def test_the_same_seed_gives_the_same_groups_and_another_seed_may_differ(formed):
    again = form_groups(list(reversed(EVERYONE)), SETTINGS, 3)
    assert [[p.key for p in g.members] for g in again.groups] == \
        [[p.key for p in g.members] for g in formed[3].groups]
    assert again.groups == formed[3].groups
    assert len({tuple(tuple(p.key for p in g.members) for g in f.groups) for f in formed.values()}) > 1


def test_the_reference_week_decides_daylight_saving():
    """Zurich 08:00–20:00 is 07:00–19:00 UTC in November but 06:00–18:00 UTC in mid-October
    (summer time until 27 October 2024); Bogotá (UTC−5, no daylight saving) is 13:00–01:00
    UTC all year: 6 h shared in November, 5 h in October."""
    zurich = Person(1, "Lea Müller", "Europe/Zurich")
    bogota = Person(2, "Carlos Gómez", "America/Bogota")
    november = evaluate([[zurich, bogota]], [zurich, bogota], Settings(1, 2, date(2024, 11, 13)))[0]
    october = evaluate([[zurich, bogota]], [zurich, bogota], Settings(1, 2, date(2024, 10, 16)))[0]
    assert november.window_minutes == 6 * 60 and october.window_minutes == 5 * 60
    assert november.windows[0] == (datetime(2024, 11, 11, 13, tzinfo=UTC), datetime(2024, 11, 11, 19, tzinfo=UTC))
    assert october.windows[0] == (datetime(2024, 10, 14, 13, tzinfo=UTC), datetime(2024, 10, 14, 18, tzinfo=UTC))
    assert len(november.windows) == 5  # one a weekday


def test_a_quarter_hour_zone_and_the_date_line():
    kathmandu = Person(1, "सीता थापा", "Asia/Kathmandu")
    fiji = Person(2, "Aisake Tuilagi", "Pacific/Fiji")
    mexico = Person(3, "Sofía Hernández", "America/Mexico_City")
    pair = evaluate([[kathmandu, fiji]], [kathmandu, fiji], SETTINGS)[0]
    # Kathmandu 08:00–20:00 is 02:15–14:15 UTC, Fiji (UTC+12) 20:00–08:00 UTC the day before.
    assert pair.window_minutes == 5 * 60 + 45
    across = evaluate([[fiji, mexico]], [fiji, mexico], SETTINGS)[0]
    # Fiji's Tuesday morning is Mexico City's Monday afternoon (UTC−6): 20:00–02:00 UTC.
    assert across.window_minutes == 6 * 60
    assert all(start.astimezone(ZoneInfo("Pacific/Fiji")).weekday() < 5 for start, _ in across.windows)


def test_one_person_of_a_gender_in_the_cohort_is_not_counted_as_avoidable():
    people = [Person(i, f"P{i}", "UTC", gender=g) for i, g in
              enumerate(["woman", "Woman ", "man", "man", "non-binary", "man", None, "man"], start=1)]
    formation = form_groups(people, Settings(4, 4, date(2024, 11, 13)), seed=0)
    for group in formation.groups:
        assert group.isolated == 0
        genders = [(p.gender or "").strip().casefold() for p in group.members]
        assert genders.count("woman") != 1


def test_impossible_windows_are_shown_not_hidden():
    # Los Angeles 08:00–20:00 is 16:00–04:00 UTC in November, Dubai's 04:00–16:00 UTC.
    far = [Person(1, "A", "America/Los_Angeles"), Person(2, "B", "Asia/Dubai")]
    group = evaluate([far], far, SETTINGS)[0]
    assert group.windows == () and group.score < 0
    assert group.reasons[0].startswith("no shared 2 h window inside everyone's 08:00–20:00")


def test_colleagues_beyond_the_fair_share_are_avoided_and_the_rest_is_called_unavoidable():
    """Eight from one ministry in four groups of four: two in each, never three."""
    people = [Person(i, f"P{i}", "Africa/Nairobi", organisation="Ministry of ICT" if i <= 8 else f"Org {i}")
              for i in range(1, 17)]
    formation = form_groups(people, Settings(4, 4, date(2024, 11, 13)), seed=1)
    for group in formation.groups:
        assert sum(p.organisation == "Ministry of ICT" for p in group.members) == 2
        assert "2 from one organisation (unavoidable)" in group.reasons
