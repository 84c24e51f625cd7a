#!/usr/bin/env python3
"""Extracts the yearly sunspot numbers (1700-2008) that Debian's python3-statsmodels ships, into sunspots.csv here.

How to run (Debian/Ubuntu):
    apt-get install -y python3-statsmodels
    /usr/bin/python3 samples/LstmVsGru/data/make_data.py

The data: statsmodels.datasets.sunspots, "Yearly (1700-2008) data on sunspots from the National Geophysical Data
Center" (NOAA), which statsmodels and Debian's copyright file (/usr/share/doc/python3-statsmodels/copyright) both mark
public domain. The file is read from the installed package as statsmodels' own loader reads it, and written again
with lower-case headers and integer years; the values are unchanged.
"""

import csv
import os

import statsmodels
import statsmodels.datasets.sunspots as sunspots


def main():
    source = os.path.join(os.path.dirname(sunspots.__file__), "sunspots.csv")
    with open(source, newline="") as f:
        rows = [(int(float(r["YEAR"])), r["SUNACTIVITY"]) for r in csv.DictReader(f)]
    assert rows[0][0] == 1700 and rows[-1][0] == 2008 and len(rows) == 309, (rows[0], rows[-1], len(rows))

    here = os.path.dirname(os.path.abspath(__file__))
    target = os.path.join(here, "sunspots.csv")
    with open(target, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["year", "sunspots"])
        writer.writerows(rows)
    print(f"{os.path.relpath(target)}: {len(rows)} years from statsmodels {statsmodels.__version__} ({source})")


if __name__ == "__main__":
    main()
