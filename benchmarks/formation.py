"""Benchmark: forming groups for the 32 realistic participants of ``tests/cohort_people.py``
(and for larger cohorts made of copies of them in shifted organisations), against random
splits of the same sizes. Prints CPU time per formation and each criterion.

    .venv/bin/python benchmarks/formation.py [--seeds 10] [--scale 1]

``--scale 2`` forms 64 people (two copies), and so on. Pure Python, no database. Figures
from one run on a shared machine are noisy: compare ratios, not absolute seconds.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lms.groups.formation import Person, Settings, evaluate, form_groups, group_sizes  # noqa: E402
from tests.cohort_people import PEOPLE  # noqa: E402


def criteria(groups) -> dict[str, float]:
    return {"weakest score": min(g.score for g in groups),
            "shortest window (min)": min(g.window_minutes for g in groups),
            "groups without a 2 h window": sum(1 for g in groups if not g.windows),
            "countries (sum)": sum(g.countries for g in groups),
            "regions (sum)": sum(g.regions for g in groups),
            "colleagues together": sum(g.colleagues for g in groups),
            "alone in their gender": sum(g.isolated for g in groups)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--scale", type=int, default=1)
    args = parser.parse_args()
    people = [Person(copy * 100 + i + 1, name, zone, country, region, f"{org} {copy}" if copy else org, gender)
              for copy in range(args.scale)
              for i, (name, _, country, region, zone, org, gender) in enumerate(PEOPLE)]
    settings = Settings(5, 6, date(2024, 11, 13))
    sizes = group_sizes(len(people), 5, 6)
    ours, chance, seconds = [], [], []
    for seed in range(args.seeds):
        started = time.process_time()
        formation = form_groups(people, settings, seed)
        seconds.append(time.process_time() - started)
        ours.append(criteria(formation.groups))
        order = people[:]
        random.Random(seed).shuffle(order)
        split, start = [], 0
        for size in sizes:
            split.append(order[start:start + size])
            start += size
        chance.append(criteria(evaluate(split, people, settings)))
    print(f"{len(people)} people in groups of {sizes}; {args.seeds} seeds")
    print(f"CPU seconds per formation: median {statistics.median(seconds):.3f}, max {max(seconds):.3f}")
    print(f"{'criterion':32} {'formed':>10} {'random':>10}")
    for name in ours[0]:
        mine, theirs = statistics.mean(c[name] for c in ours), statistics.mean(c[name] for c in chance)
        print(f"{name:32} {mine:10.1f} {theirs:10.1f}")


if __name__ == "__main__":
    main()
