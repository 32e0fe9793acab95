"""Forming balanced project groups: plain Python, no Flask, no database.

The rules, in order of weight:

1. Sizes stay within ``min_size``–``max_size`` whenever a valid split exists (32 in groups
   of 5–6 → 2 × 6 + 4 × 5); when none exists, :class:`FormationError` says why.
2. Every group shares a meeting window of at least two hours inside each member's
   08:00–20:00 local time on their weekdays. Availability is computed on the actual dates
   of a reference week, so daylight saving is what it is in that week (Europe and North
   America change on different Sundays; a week in early November differs from one in
   October); the caller picks the week the group will work in.
3. Countries, regions and organisations spread out: no two people of one organisation in a
   group where avoidable (an organisation with more people than there are groups puts at
   most its fair share in each).
4. Nobody is the only person of their (self-described) gender in a group where that can be
   avoided, that is when at least one other person in the cohort shares it.

Each group gets a score (up to 100, with large penalties for a missing window, an isolated
member or two colleagues together) and reasons. The search maximises the weakest group
first (leximin: the lowest score, then the next lowest, …), not the average, by swapping
people between groups from several seeded starting points: the same seed gives the same
groups.
"""
from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: Availability is kept in slots of this many minutes (zones such as Asia/Kathmandu are
#: 45 minutes off the hour).
SLOT_MINUTES = 15
#: Slots are counted from the Sunday before the reference Monday (UTC+14 starts its Monday
#: on Sunday UTC) through the Tuesday after the week (UTC−12 ends its Friday on Saturday).
_DAYS = 10
RESTARTS = 4

#: Weights of the parts of a group's score (sum 100) and the penalties.
WEIGHTS = {"meeting": 10, "countries": 25, "regions": 35, "organisations": 20, "gender": 10}
NO_WINDOW_PENALTY = 200
ISOLATION_PENALTY = 80
COLLEAGUE_PENALTY = 40


class FormationError(ValueError):
    """No valid split exists; the message says why."""


@dataclass(frozen=True)
class Person:
    key: int
    name: str
    timezone: str
    country: str | None = None
    region: str | None = None
    organisation: str | None = None
    #: Self-described; compared case-insensitively; None when not given.
    gender: str | None = None


@dataclass(frozen=True)
class Settings:
    min_size: int
    max_size: int
    #: Any day of the week the groups will meet in; its Monday is used.
    reference_day: date
    day_start: time = time(8)
    day_end: time = time(20)
    min_window_minutes: int = 120


@dataclass(frozen=True)
class GroupScore:
    members: tuple[Person, ...]
    score: float
    #: Longest shared window, minutes.
    window_minutes: int
    #: Each shared window of at least ``min_window_minutes`` in the reference week, UTC.
    windows: tuple[tuple[datetime, datetime], ...]
    countries: int
    regions: int
    #: People beyond the first of each organisation.
    colleagues: int
    #: Genders with exactly one member here while others share it in the cohort.
    isolated: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Formation:
    groups: tuple[GroupScore, ...]
    seed: int
    sizes: tuple[int, ...] = field(default=())

    @property
    def weakest(self) -> float:
        return min((g.score for g in self.groups), default=0.0)


def group_sizes(count: int, min_size: int, max_size: int) -> list[int]:
    """The sizes of the fewest groups within the range (largest first), or why there are none."""
    if min_size < 1 or max_size < min_size:
        raise FormationError(f"The group size range {min_size}–{max_size} is not a range.")
    if count == 0:
        raise FormationError("There are no participants to put into groups.")
    groups = -(-count // max_size)
    if groups * min_size > count:
        if count < min_size:
            raise FormationError(f"There are only {count} participant(s): fewer than the smallest group size "
                                 f"({min_size}). Change the sizes in the course file or form one group by hand.")
        raise FormationError(
            f"{count} participants cannot be split into groups of {min_size}–{max_size}: {groups - 1} group(s) hold "
            f"at most {(groups - 1) * max_size}, and {groups} groups need at least {groups * min_size}. "
            f"Change the sizes in the course file, or form the groups by hand.")
    base, extra = divmod(count, groups)
    return [base + 1] * extra + [base] * (groups - extra)


class _Context:
    """What scoring needs, computed once per formation."""

    def __init__(self, people: Sequence[Person], settings: Settings, groups: int) -> None:
        self.settings = settings
        monday = settings.reference_day - timedelta(days=settings.reference_day.weekday())
        self.origin = datetime.combine(monday - timedelta(days=1), time(0), tzinfo=UTC)
        self.masks = {p.key: self._availability(p, monday) for p in people}
        self.min_slots = -(-settings.min_window_minutes // SLOT_MINUTES)
        self.genders = Counter(_gender(p) for p in people if _gender(p))
        self.all_regions = len({p.region for p in people if p.region})
        self.organisation = {p.key: (p.organisation or "").strip().casefold() for p in people}
        self.gender = {p.key: _gender(p) for p in people}
        # Colleagues beyond an organisation's fair share per group cannot be avoided (eight
        # people of one ministry in six groups put two together somewhere).
        totals = Counter(self.organisation.values())
        self.fair_share = {org: -(-n // max(groups, 1)) for org, n in totals.items()}
        self.values: dict[int, float] = {}
        #: One bit per person (a group's cache key) and what scoring reads, in one lookup.
        self.bit = {p.key: 1 << i for i, p in enumerate(people)}
        self.info = {p.key: (self.masks[p.key], p.country or None, p.region or None, self.organisation[p.key],
                             self.gender[p.key]) for p in people}

    def _availability(self, person: Person, monday: date) -> int:
        try:
            zone = ZoneInfo(person.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("UTC")
        mask = 0
        step = timedelta(minutes=SLOT_MINUTES)
        for offset in range(5):
            day = monday + timedelta(days=offset)
            starts = datetime.combine(day, self.settings.day_start, tzinfo=zone).astimezone(UTC)
            ends = datetime.combine(day, self.settings.day_end, tzinfo=zone).astimezone(UTC)
            first = -(-(starts - self.origin) // step)  # the first whole slot inside the day
            last = (ends - self.origin) // step
            if last > first:
                mask |= ((1 << (last - first)) - 1) << first
        return mask

    def value(self, members: Sequence[Person]) -> float:
        """The score alone, cached by membership: the search asks for it thousands of times."""
        key = 0
        for person in members:
            key |= self.bit[person.key]
        found = self.values.get(key)
        if found is None:
            found = self.values[key] = self._parts(members)[0]
        return found

    def _parts(self, members: Sequence[Person]) -> tuple[float, int, int, int, int, int, dict[str, int], int]:
        size = len(members)
        shared = -1
        countries, regions = set(), set()
        organisations: dict[str, int] = {}
        here: dict[str, int] = {}
        for person in members:
            mask, country, region, organisation, gender = self.info[person.key]
            shared &= mask
            countries.add(country)
            regions.add(region)
            organisations[organisation] = organisations.get(organisation, 0) + 1
            here[gender] = here.get(gender, 0) + 1
        countries.discard(None)
        regions.discard(None)
        slots = _longest_run(shared) if members else 0
        colleagues = avoidable = isolated = 0
        for organisation, n in organisations.items():
            if organisation and n > 1:
                colleagues += n - 1
                avoidable += max(0, n - self.fair_share[organisation])
        for gender, n in here.items():
            if gender and n == 1 and self.genders[gender] >= 2:
                isolated += 1
        window_hours = slots * SLOT_MINUTES / 60
        score = (WEIGHTS["meeting"] * min(window_hours, 3) / 3
                 + WEIGHTS["countries"] * (len(countries) / size if size else 0)
                 + WEIGHTS["regions"] * (len(regions) / max(1, min(size, self.all_regions)) if self.all_regions else 1)
                 + WEIGHTS["organisations"] * (1 - colleagues / (size - 1) if size > 1 else 1)
                 + WEIGHTS["gender"] * (0 if isolated else 1))
        if slots < self.min_slots:
            score -= NO_WINDOW_PENALTY
        score -= ISOLATION_PENALTY * isolated + COLLEAGUE_PENALTY * avoidable
        return (round(score, 6), shared, slots, len(countries), len(regions), colleagues, organisations,
                isolated)

    def score(self, members: Sequence[Person]) -> GroupScore:
        """The score with what it is made of and the reasons, for showing."""
        members = tuple(sorted(members, key=lambda p: p.key))
        score, shared, slots, countries, regions, colleagues, organisations, isolated = self._parts(members)
        windows = self._windows(shared) if slots >= self.min_slots else ()
        return GroupScore(members, score, slots * SLOT_MINUTES, windows, countries, regions, colleagues, isolated,
                          self._reasons(len(members), slots, windows, countries, regions, organisations, isolated))

    def _windows(self, shared: int) -> tuple[tuple[datetime, datetime], ...]:
        runs = []
        position = 0
        while shared:
            if shared & 1:
                length = _trailing_ones(shared)
                if length >= self.min_slots:
                    step = timedelta(minutes=SLOT_MINUTES)
                    runs.append((self.origin + position * step, self.origin + (position + length) * step))
                shared >>= length
                position += length
            else:
                zeros = (shared & -shared).bit_length() - 1
                shared >>= zeros
                position += zeros
        return tuple(runs)

    def _reasons(self, size: int, slots: int, windows: tuple[tuple[datetime, datetime], ...], countries: int,
                 regions: int, organisations: dict[str, int], isolated: int) -> tuple[str, ...]:
        reasons = []
        minutes = slots * SLOT_MINUTES
        if windows:
            start, end = max(windows, key=lambda w: w[1] - w[0])
            reasons.append(f"can meet {_duration(minutes)} a day at most, e.g. {start:%a %H:%M}–{end:%H:%M} UTC")
        else:
            reasons.append(f"no shared {_duration(self.min_slots * SLOT_MINUTES)} window inside everyone's "
                           f"{self.settings.day_start:%H:%M}–{self.settings.day_end:%H:%M} "
                           f"(longest {_duration(minutes)})")
        reasons.append(f"{countries} countr{'y' if countries == 1 else 'ies'} and {regions} "
                       f"region{'' if regions == 1 else 's'} among {size}")
        shared_orgs = [f"{n} from one organisation" + ("" if n > self.fair_share[org] else " (unavoidable)")
                       for org, n in organisations.items() if org and n > 1]
        reasons.append("; ".join(shared_orgs) if shared_orgs else "every organisation different")
        reasons.append(f"{isolated} person(s) alone in their gender (avoidable)" if isolated
                       else "nobody alone in their gender")
        return tuple(reasons)


def _gender(person: Person) -> str:
    return (person.gender or "").strip().casefold()


def _trailing_ones(value: int) -> int:
    return ((value ^ (value + 1)).bit_length()) - 1


def _longest_run(mask: int) -> int:
    length = 0
    while mask:
        mask &= mask >> 1
        length += 1
    return length


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if rest else f"{hours} h"


def _objective(scores: Sequence[float]) -> tuple[float, ...]:
    return tuple(sorted(scores))


def evaluate(groups: Sequence[Sequence[Person]], everyone: Sequence[Person], settings: Settings) -> list[GroupScore]:
    """Scores and reasons of groups as they stand (after people were moved by hand)."""
    context = _Context(everyone, settings, len(groups))
    return [context.score(group) for group in groups]


def form_groups(people: Sequence[Person], settings: Settings, seed: int = 0) -> Formation:
    """Balanced groups of ``people``; deterministic for ``seed``."""
    people = sorted(people, key=lambda p: p.key)
    sizes = group_sizes(len(people), settings.min_size, settings.max_size)
    context = _Context(people, settings, len(sizes))
    rng = random.Random(seed)
    best: tuple[tuple[float, ...], list[list[Person]]] | None = None
    for _ in range(RESTARTS):
        order = people[:]
        rng.shuffle(order)
        groups, start = [], 0
        for size in sizes:
            groups.append(order[start:start + size])
            start += size
        objective = _improve(groups, context, rng)
        if best is None or objective > best[0]:
            best = (objective, [g[:] for g in groups])
    assert best is not None
    scored = sorted((context.score(g) for g in best[1]), key=lambda g: (-len(g.members), g.members[0].key))
    return Formation(tuple(scored), seed, tuple(sizes))


def _improve(groups: list[list[Person]], context: _Context, rng: random.Random) -> tuple[float, ...]:
    """Swap pairs of people between groups while the weakest-first objective improves."""
    scores = [context.value(g) for g in groups]
    current = _objective(scores)
    pairs = [(i, j) for i in range(len(groups)) for j in range(i + 1, len(groups))]
    improved = True
    while improved:
        improved = False
        rng.shuffle(pairs)
        # Work on the weakest groups first: they decide the objective.
        pairs.sort(key=lambda ij: min(scores[ij[0]], scores[ij[1]]))
        for i, j in pairs:
            for a in range(len(groups[i])):
                for b in range(len(groups[j])):
                    first, second = groups[i][:], groups[j][:]
                    first[a], second[b] = groups[j][b], groups[i][a]
                    new_i, new_j = context.value(first), context.value(second)
                    if min(new_i, new_j) < current[0]:
                        continue
                    trial = scores[:]
                    trial[i], trial[j] = new_i, new_j
                    objective = _objective(trial)
                    if objective > current:
                        groups[i], groups[j], scores, current = first, second, trial, objective
                        improved = True
    return current
