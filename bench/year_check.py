"""Checks a saved programme year against its hard constraints, independently of the planner:
from the days in the database (programme_events, enrolments), the LA term dates the benchmark
entered (its CSV), each school's LA from the DfE spine (not the register) and the bank holidays
of the independent list (crates/aspire-core/tests/fixtures/bank_holidays, made with the PyPI
package `holidays`).

- every school a day is for is open on it: a weekday, inside its LA's term, outside its
  half-term, not a bank holiday;
- no Achievement Adviser has two days on one date;
- no Development Day comes before a Network Day of its network's term.

Usage: year_check.py DB.sqlite TERMS.csv SPINE.csv   (exit status 1 and every problem listed)
"""

import csv
import sqlite3
import sys
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path


def day(text):
    text = text.strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text[:10], fmt).date()
        except ValueError:
            pass
    raise ValueError(text)


def main():
    db, terms_csv, spine_csv = sys.argv[1:4]
    holidays = {day(r["date"]) for r in csv.DictReader(open(Path(__file__).parent.parent / "crates/aspire-core/tests/fixtures/bank_holidays/england_2017_2027.csv"))}
    la_of = {int(r["URN"]): int(r["LA"]) for r in csv.DictReader(open(spine_csv)) if r["LA"].strip().isdigit()}
    terms = defaultdict(list)
    for r in csv.DictReader(open(terms_csv)):
        terms[int(r["la_code"])].append((day(r["starts"]), day(r["ends"]), day(r["half_term_starts"]), day(r["half_term_ends"])))
    con = sqlite3.connect(db)
    members = defaultdict(list)
    for urn, network in con.execute("SELECT urn, network_id FROM enrolments WHERE programme_id = 1 AND network_id IS NOT NULL"):
        members[network].append(urn)
    events = con.execute(
        "SELECT id, network_id, kind, term, held_on, urn, adviser_id FROM programme_events "
        "WHERE programme_id = 1 AND status = 'planned'").fetchall()
    problems = []

    def open_on(urn, d):
        if d.weekday() >= 5 or d in holidays:
            return False
        la = la_of.get(urn)
        return any(s <= d <= e and not (hs <= d <= he) for s, e, hs, he in terms.get(la, []))

    by_adviser = defaultdict(list)
    network_days = defaultdict(list)
    for id_, network, kind, term, held, urn, adviser in events:
        d = day(held)
        schools = [urn] if urn is not None else members[network]
        for u in schools:
            if not open_on(u, d):
                problems.append(f"day {id_} ({kind}) on {d}: school {u} (LA {la_of.get(u)}) is closed")
        if adviser is not None:
            by_adviser[(adviser, d)].append(id_)
        if urn is None:
            network_days[(network, term)].append(d)
    for (adviser, d), ids in by_adviser.items():
        if len(ids) > 1:
            problems.append(f"adviser {adviser} has {len(ids)} days on {d}: {ids}")
    for id_, network, kind, term, held, urn, adviser in events:
        if urn is not None and any(day(held) <= n for n in network_days[(network, term)]):
            problems.append(f"Development Day {id_} on {held} is not after its network's Network Days of {term}")
    advisers = {a for a, _ in by_adviser}
    print(f"{len(events)} days, {len(members)} networks, {len({u for m in members.values() for u in m})} schools, "
          f"{len(advisers)} advisers: {len(problems)} problems")
    for p in problems[:50]:
        print("problem:", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
