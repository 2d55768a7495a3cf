"""Writes the soak test's request bodies: a valid 256x256 PNG sketch and the hostile uploads."""
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
# A header-only frame bomb: 4096x4096 declared, a few bytes of pixel data (the service must not allocate the frame).
open(f"{folder}/bomb.png", "wb").write(png(4096, 4096, b"\x00" * 64))
# A small, valid, solid-colour 4096x4096 PNG: every pixel is real, and decoding, resizing and encoding it cost seconds.
open(f"{folder}/solid.png", "wb").write(png(4096, 4096, (b"\x00" + b"\xee\xdd\xcc" * 4096) * 4096))
