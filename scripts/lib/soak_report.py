"""Summarises the soak run's hey CSV files and writes the reliability report."""
import csv
import datetime
import os
import platform
import sys
from collections import Counter

folder, duration, concurrency, rss_start, rss_end, report = sys.argv[1:7]
rss_start, rss_end = int(rss_start), int(rss_end)


def load(name):
    with open(os.path.join(folder, name + ".csv")) as f:
        return [(float(r["response-time"]), int(r["status-code"]), float(r["offset"])) for r in csv.DictReader(f)]


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))] * 1000 if values else float("nan")


HOSTILE = ["truncated", "notpng", "huge", "bomb", "solid", "slow"]
# The bound the resident memory must stay under: the pixel budget's worth of frames (64 megapixels at about 10 bytes
# each from decode to encode) on top of the service's idle footprint, with room for the runtime's own growth.
BOUND_MB = 1536
streams = {name: load(name) for name in ["valid", *HOSTILE]}
lines = []
total = sum(len(rows) for rows in streams.values())
# A 503 with Retry-After is the service saying "busy, retry" (a full queue, a spent pixel budget), not a failure.
five_xx_user = sum(1 for name in HOSTILE for _, s, _ in streams[name] if s >= 500 and s != 503)
five_xx_valid = sum(1 for _, s, _ in streams["valid"] if s >= 500 and s != 503)
admitted = [t for t, s, _ in streams["valid"] if s == 200]
growth = 100.0 * (rss_end - rss_start) / rss_start
samples = []
if os.path.exists(os.path.join(folder, "rss.log")):
    with open(os.path.join(folder, "rss.log")) as f:
        samples = [(int(t), int(k)) for t, k in (line.split() for line in f if len(line.split()) == 2)]
# Growth after warm-up: from the first minute under load to the end, which a leak would keep driving up.
warm = next((k for t, k in samples if t - samples[0][0] >= 60), rss_start) if samples else rss_start
warm_growth = 100.0 * (rss_end - warm) / warm
peak = max([k for _, k in samples] + [rss_end])

lines.append("| stream | requests | status codes | p50 ms | p99 ms |")
lines.append("| --- | --- | --- | --- | --- |")
for name, rows in streams.items():
    codes = ", ".join(f"{c}: {n}" for c, n in sorted(Counter(s for _, s, _ in rows).items()))
    times = [t for t, s, _ in rows]
    lines.append(f"| {name} | {len(rows)} | {codes} | {pct(times, 50):.1f} | {pct(times, 99):.1f} |")

window = 60.0
minutes = []
rows = streams["valid"]
end = max((o for _, _, o in rows), default=0)
start = 0.0
while start < end:
    chunk = [t for t, s, o in rows if start <= o < start + window and s == 200]
    if chunk:
        minutes.append(f"| {int(start)}–{int(start + window)} s | {len(chunk)} | {pct(chunk, 50):.1f} | {pct(chunk, 99):.1f} |")
    start += window

summary = [
    f"- total requests: {total}; 5xx from hostile uploads: {five_xx_user}; 5xx other than 503 on valid uploads: {five_xx_valid}",
    f"- admitted valid requests: {len(admitted)}, p50 {pct(admitted, 50):.1f} ms, p99 {pct(admitted, 99):.1f} ms",
    f"- resident memory: {rss_start / 1024:.0f} MB before the load, {warm / 1024:.0f} MB after its first minute, {rss_end / 1024:.0f} MB at the end",
    f"  ({growth:+.1f}% from idle, {warm_growth:+.1f}% after warm-up); the highest sample {peak / 1024:.0f} MB, bound {BOUND_MB} MB",
]
trajectory = [f"{(t - samples[0][0]) // 60}:{(t - samples[0][0]) % 60:02d} {k / 1024:.0f} MB" for t, k in samples[::6]] if samples else []
text = "\n".join([
    "# Reliability",
    "",
    "Figures of the latest soak run (`scripts/soak`): a saturating load on loopback with valid 256×256 PNGs",
    f"({concurrency} concurrent) and six hostile streams, one client each: a truncated PNG, a body that is not a PNG,",
    "a header declaring 100000×100000, a header-only frame bomb (4096×4096 declared in a few bytes), a valid solid-colour",
    "4096×4096 PNG (real pixels: seconds of decode, resize and encode each), and uploads slower than the minimum rate.",
    f"Targets: zero 5xx from user input (503 with Retry-After is the service saying busy), resident memory under {BOUND_MB} MB",
    "throughout, growth after warm-up below 10%, p99 of admitted requests stable. Memory is judged after warm-up: the",
    "first minute under load grows the GC heaps, thread pool and ONNX Runtime arena once; a leak would keep growing after it.",
    "",
    f"Run of {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {duration} s, on a {os.cpu_count()}-core machine ({platform.machine()}).",
    "",
    *summary,
    "",
    *lines,
    "",
    "Admitted valid requests per minute:",
    "",
    "| window | requests | p50 ms | p99 ms |",
    "| --- | --- | --- | --- |",
    *minutes,
    "",
    "Resident memory every minute: " + (", ".join(trajectory) if trajectory else "not sampled"),
    "",
])
with open(report, "w") as f:
    f.write(text)
print(text)
sys.exit(1 if five_xx_user or five_xx_valid or peak / 1024 > BOUND_MB else 0)
