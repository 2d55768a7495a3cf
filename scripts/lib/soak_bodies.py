"""Writes the soak test's request bodies: a valid 256x256 PNG sketch and three hostile uploads."""
import struct
import sys
import zlib


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width, height, rows):
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def sketch(side):
    rows = bytearray()
    for y in range(side):
        rows.append(0)
        for x in range(side):
            ring = abs(((x - side / 2) ** 2 + (y - side / 2) ** 2) ** 0.5 - side / 3) < 3
            box = (side // 5 < x < side // 2 and abs(y - side // 4) < 2)
            rows += b"\x00\x00\x00" if ring or box else b"\xff\xff\xff"
    return bytes(rows)


folder = sys.argv[1]
valid = png(256, 256, sketch(256))
open(f"{folder}/valid.png", "wb").write(valid)
open(f"{folder}/truncated.png", "wb").write(valid[: len(valid) // 2])
open(f"{folder}/notpng.png", "wb").write(b"GIF89a this is not a png" * 10)
open(f"{folder}/huge.png", "wb").write(png(100000, 100000, b"\x00" * 10))
