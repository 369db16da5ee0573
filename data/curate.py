#!/usr/bin/env python3
"""Rebuild the curated open-data subset in this folder from the full source data.

Usage: python3 data/curate.py /path/to/shared/data

Files are copied or filtered as raw bytes: a kept row is the exact bytes of the
source record (line ending included), so encoding, quoting and line endings are
unchanged. Running it again gives byte-identical output.
"""
import csv
import io
import shutil
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent

# Hampshire, Surrey, Southend-on-Sea, Blackpool, Bradford, Derby, Doncaster, Oldham, Stoke-on-Trent
SEED_LAS = {"850", "936", "882", "890", "380", "831", "371", "353", "861"}

SPINE = "schools_england_2018_waiky8/england_spine_2017-2018.csv"
GIAS = "gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv"
LINKS = "gias_links_england_2025/links_edubasealldata20250422.csv"

WHOLE = [
    GIAS,
    "ks2_hampshire_surrey_2017_2019/ks2final_2016-2017_la850.csv",
    "ks2_hampshire_surrey_2017_2019/ks2final_2016-2017_la936.csv",
    "ks2_hampshire_surrey_2017_2019/ks2final_2017-2018_la850.csv",
    "ks2_hampshire_surrey_2017_2019/ks2final_2017-2018_la936.csv",
    "ks2_hampshire_surrey_2017_2019/ks2final_2018-2019_la850.csv",
    "ks2_hampshire_surrey_2017_2019/ks2final_2018-2019_la936.csv",
    "ks2_hampshire_surrey_2017_2019/ks2_meta_2016-2017.csv",
    "ks2_hampshire_surrey_2017_2019/ks2_meta_2017-2018.csv",
    "ks2_hampshire_surrey_2017_2019/ks2_meta_2018-2019.csv",
    "ks2_hampshire_surrey_2017_2019/la_and_region_codes_meta_2018-2019.csv",
    "ons_lad_lookups/LAD16_to_CTY16_England.csv",
    "ons_lad_lookups/LAD16_to_RGN16_England.csv",
    "ons_lad_lookups/LAD17_to_CTY17_England.csv",
    "ons_lad_lookups/LAD17_to_RGN17_England.csv",
    "reference/opportunity_areas_2017_transcribed.csv",
]

# file -> index of its URN column
FILTERED = {
    SPINE: 0,
    "schools_england_2018_waiky8/school_details_2017-2018.csv": 0,
    "schools_england_2018_waiky8/ofsted_inspection_history_scraped_c2020.csv": 0,
    "schools_england_2018_waiky8/ks2_perf_2015-2016.csv": 0,
    "schools_england_2018_waiky8/ks2_perf_2016-2017.csv": 0,
    "schools_england_2018_waiky8/ks2_perf_2017-2018.csv": 0,
    "ks2_england_2019_waiky8/england_ks2_2018-2019_with_ofsted_latlong.csv": 1,
    LINKS: 0,
}


def records(data):
    """Split raw bytes into CSV records, each with its own line ending.

    A physical line is joined to the next while it has an odd number of double
    quotes, so a newline inside a quoted field stays inside its record.
    """
    recs, cur = [], b""
    for line in io.BytesIO(data).readlines():  # splits after b"\n" only
        cur += line
        if cur.count(b'"') % 2 == 0:
            recs.append(cur)
            cur = b""
    if cur:
        recs.append(cur)
    return recs


def fields(rec):
    """Parse one record; latin-1 maps every byte, so any ASCII field is exact."""
    return next(csv.reader([rec.decode("latin-1")]))


def rows(src, name):
    """Data records of a source file (header skipped)."""
    return records((src / name).read_bytes())[1:]


def closure(src):
    urns = {f[0] for f in map(fields, rows(src, SPINE)) if f[1] in SEED_LAS}
    urns |= {fields(r)[0] for r in rows(src, GIAS)}
    links = [fields(r)[:2] for r in rows(src, LINKS)]
    while True:
        new = {b for a, b in links if a in urns} | {a for a, b in links if b in urns}
        if new <= urns:
            return urns
        urns |= new


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    src = Path(sys.argv[1])
    for name in WHOLE:
        (OUT / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / name, OUT / name)
    urns = closure(src)
    for name, col in FILTERED.items():
        data = (src / name).read_bytes()
        recs = records(data)
        kept = [r for r in recs[1:] if fields(r)[col] in urns]
        out = b"".join([recs[0]] + kept)
        if not data.endswith(b"\n"):  # source has no final line ending: nor does the subset
            out = out.rstrip(b"\r\n")
        (OUT / name).parent.mkdir(parents=True, exist_ok=True)
        (OUT / name).write_bytes(out)
        print(f"{name}: {len(kept)} of {len(recs) - 1} rows")
    print(f"{len(urns)} URNs in the closure")


if __name__ == "__main__":
    main()
