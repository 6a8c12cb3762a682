"""Plane geometry on commune outlines, for build.py only (not used at run time)."""

from __future__ import annotations

import itertools
import math
import struct

Point = tuple[float, float]  # (longitude, latitude)
Ring = list[Point]
Polygon = list[Ring]


def parse_ewkb(hex_text: str) -> tuple[str, object] | None:
    """Parse a hex (E)WKB point, polygon or multipolygon (2D) into ("point", (x, y)) or ("polygons", [...])."""
    if not hex_text or hex_text == "\\N":
        return None
    data = bytes.fromhex(hex_text)
    offset = 0

    def geometry() -> tuple[int, object]:
        nonlocal offset
        order = "<" if data[offset] == 1 else ">"
        (kind,) = struct.unpack_from(order + "I", data, offset + 1)
        offset += 5
        if kind & 0x20000000:  # EWKB SRID flag
            offset += 4
        if kind & 0xC0000000:
            raise ValueError("3D/measured geometries are not expected")
        kind &= 0xFF
        if kind == 1:
            x, y = struct.unpack_from(order + "dd", data, offset)
            offset += 16
            return 1, (x, y)
        if kind == 3:
            (n_rings,) = struct.unpack_from(order + "I", data, offset)
            offset += 4
            rings = []
            for _ in range(n_rings):
                (n_points,) = struct.unpack_from(order + "I", data, offset)
                offset += 4
                flat = struct.unpack_from(f"{order}{2 * n_points}d", data, offset)
                offset += 16 * n_points
                rings.append(list(zip(flat[0::2], flat[1::2], strict=True)))
            return 3, rings
        if kind == 6:
            (n_polygons,) = struct.unpack_from(order + "I", data, offset)
            offset += 4
            return 6, [geometry()[1] for _ in range(n_polygons)]
        raise ValueError(f"unexpected WKB geometry type {kind}")

    kind, value = geometry()
    if kind == 1:
        return "point", value
    return "polygons", [value] if kind == 3 else value


def ring_area_centroid(ring: Ring) -> tuple[float, float, float]:
    """Signed area (in degrees², longitudes scaled by cos(latitude)) and centroid of a closed ring."""
    scale = math.cos(math.radians(ring[0][1]))
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in itertools.pairwise(ring):
        cross = (x0 * scale) * y1 - (x1 * scale) * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if area == 0:
        return 0.0, ring[0][0], ring[0][1]
    return area / 2, cx / (3 * area), cy / (3 * area)


def inside_polygon(point: Point, polygon: Polygon) -> bool:
    x, y = point
    inside = False
    for ring in polygon:
        for (x0, y0), (x1, y1) in itertools.pairwise(ring):
            if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
                inside = not inside
    return inside


def distance_to_outline_km(point: Point, polygons: list[Polygon]) -> float:
    """0 inside; otherwise the distance to the nearest edge (local equirectangular projection)."""
    if any(inside_polygon(point, polygon) for polygon in polygons):
        return 0.0
    kx = 111.32 * math.cos(math.radians(point[1]))
    ky = 110.57
    px, py = point[0] * kx, point[1] * ky
    best = math.inf
    for polygon in polygons:
        for ring in polygon:
            for (x0, y0), (x1, y1) in itertools.pairwise(ring):
                ax, ay, bx, by = x0 * kx, y0 * ky, x1 * kx, y1 * ky
                dx, dy = bx - ax, by - ay
                length2 = dx * dx + dy * dy
                t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
                best = min(best, math.hypot(ax + t * dx - px, ay + t * dy - py))
    return best


def interior_point(polygons: list[Polygon]) -> Point:
    """Centroid of the largest part, or the middle of the widest horizontal chord through it if outside."""
    largest = max(polygons, key=lambda polygon: abs(ring_area_centroid(polygon[0])[0]))
    _, cx, cy = ring_area_centroid(largest[0])
    if inside_polygon((cx, cy), largest):
        return cx, cy
    crossings = []
    for ring in largest:
        for (x0, y0), (x1, y1) in itertools.pairwise(ring):
            if (y0 > cy) != (y1 > cy):
                crossings.append(x0 + (cy - y0) * (x1 - x0) / (y1 - y0))
    crossings.sort()
    chords = list(zip(crossings[0::2], crossings[1::2], strict=False))
    if not chords:
        return largest[0][0]
    left, right = max(chords, key=lambda chord: chord[1] - chord[0])
    return (left + right) / 2, cy


def distance_km(a: Point, b: Point) -> float:
    """Haversine distance between two (longitude, latitude) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


# --- the build -----------------------------------------------------------------------------------------------------
