#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""wirestat -r FILE --html: the page in headless Chromium against the JSON report.

    python3 tests/integration/test_html.py BUILD_DIR CAPTURE...

For each capture, one run writes --json, --html and --flows. The page must load
nothing from elsewhere. Chromium renders it to PNG (a page that is not blank) and
--dump-dom gives the DOM after its script ran: every section must be there with the
report's numbers, the packets per second must add up to the packets in the file
(counted here from the pcap record headers, or by capinfos; so the captures must fit
in the report's 900 s of per-second traffic), and the flow histograms must match the
flow records of --flows, bucketed here.
"""
import html.parser
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

from wslib import Results, pcap_count

SECTIONS = ("summary", "traffic", "protocols", "top-dst", "top-src", "top-pairs", "top-ports",
            "top-hosts", "flow-duration", "flow-size", "drops")


class Dom(html.parser.HTMLParser):
    """Rows of every table by id, element ids, attributes that load something."""

    def __init__(self):
        super().__init__()
        self.ids, self.tables, self.loads, self.attrs = set(), {}, [], {}
        self.table = self.row = self.cell = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
            self.attrs[a["id"]] = a
        self.loads += [f"{tag} {k}={v}" for k, v in attrs if k in ("src", "href", "srcset")]
        if tag == "table":
            self.table = self.tables.setdefault(a.get("id"), [])
        elif tag == "tr" and self.table is not None:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(self.cell)
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if self.row and self.row[0] != "#":
                self.table.append(self.row)
            self.row = None
        elif tag == "table":
            self.table = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def chromium(*args):
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    with tempfile.TemporaryDirectory() as profile:
        p = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu",
                            f"--user-data-dir={profile}", "--hide-scrollbars"] + list(args),
                           capture_output=True, timeout=120)
    return p.returncode, p.stdout


def png_ink(path):
    """(width, height, share of pixel bytes that are neither white nor black)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return 0, 0, 0
    w, h = struct.unpack(">II", data[16:24])
    idat, off = b"", 8
    while off < len(data):
        n, kind = struct.unpack(">I4s", data[off:off + 8])
        if kind == b"IDAT":
            idat += data[off + 8:off + 8 + n]
        off += 12 + n
    raw = zlib.decompress(idat)
    return w, h, sum(1 for b in raw if b not in (0, 255)) / max(1, len(raw))


def packets_in(capture):
    """Packets in the file by our own reading (classic pcap) or Wireshark's capinfos."""
    try:
        return pcap_count(capture) if not capture.endswith(".pcapng") else int(
            subprocess.run(["capinfos", "-M", "-c", capture], capture_output=True, text=True,
                           timeout=60).stdout.split(":")[-1])
    except (ValueError, OSError):
        return -1


def buckets(values, upper):
    out = [0] * (len(upper) + 1)
    for v in values:
        out[sum(v >= u for u in upper)] += 1
    return out


def nums(rows, cols):
    return [[int(r[c]) for c in cols] for r in rows]


def check_capture(res, build, capture, tmp):
    name = os.path.basename(capture)
    page, flows = os.path.join(tmp, "report.html"), os.path.join(tmp, "flows.json")
    p = subprocess.run([os.path.join(build, "app/wirestat"), "-r", capture, "--json", "--top",
                        "10", "--html", page, "--flows", flows], capture_output=True, text=True,
                       timeout=300)
    if not res.check(f"{name}: wirestat -r --json --html", p.returncode == 0, p.stderr[-300:]):
        return
    rep = json.loads(p.stdout)
    with open(page, encoding="utf-8") as f:
        static = Dom()
        static.feed(f.read())
    res.check(f"{name}: the page loads nothing from elsewhere", not static.loads,
              str(static.loads))

    rc, out = chromium("--window-size=1200,3000", f"--screenshot={tmp}/report.png", page)
    w, h, ink = png_ink(f"{tmp}/report.png") if rc == 0 else (0, 0, 0)
    res.check(f"{name}: Chromium renders it to a 1200x3000 PNG that is not blank",
              (w, h) == (1200, 3000) and ink > 0.002, f"rc {rc} {w}x{h} ink {ink:.4f}")
    rc, out = chromium("--dump-dom", page)
    dom = Dom()
    dom.feed(out.decode("utf-8"))
    res.check(f"{name}: the script ran", dom.attrs.get("report") is not None
              and rc == 0 and 'data-drawn="1"' in out.decode(), f"rc {rc}")
    res.check(f"{name}: every section is there", all(s in dom.ids for s in SECTIONS),
              str([s for s in SECTIONS if s not in dom.ids]))
    t = dom.tables

    series = [s for s in rep["rates"]["series"]]
    while series and not series[0][1]:
        series.pop(0)
    while series and not series[-1][1]:
        series.pop()
    shown = nums(t.get("traffic-table", []), (2, 3, 4))
    res.check(f"{name}: packets and bytes per second as in the report",
              shown == [s[1:4] for s in series] and dom.attrs["pps"]["data-n"] ==
              str(len(series)), f"{shown[:3]} vs {series[:3]}")
    res.check(f"{name}: the seconds add up to the packets in the file",
              sum(r[0] for r in shown) == packets_in(capture) == rep["packets"],
              f"{sum(r[0] for r in shown)} vs {packets_in(capture)}")
    protos = {r[1]: int(r[2]) for r in t.get("protocols-table", [])}
    res.check(f"{name}: protocol mix as in the report", protos and all(
        rep["protocols"][k] == v for k, v in protos.items()), str(protos))

    lists = {"top-dst-table": ("top_dst_ips", lambda e: e["ip"], "packets"),
             "top-src-table": ("top_src_ips", lambda e: e["ip"], "packets"),
             "top-pairs-table": ("top_pairs", lambda e: f"{e['a']} \u2194 {e['b']}", "packets"),
             "top-ports-table": ("top_dst_ports", lambda e: f"{e['proto']}/{e['port']}",
                                 "packets"),
             "top-hosts-table": ("hosts", lambda e: f"{e['name']} ({e['source']})", "count")}
    for tid, (key, label, count) in lists.items():
        shown = [(r[1], int(r[2]), int(r[3])) for r in t.get(tid, [])]
        want = [(label(e), e[count], e["bytes"]) for e in rep[key]]
        res.check(f"{name}: {tid[:-6]} as {key} in the report", shown == want and want,
                  f"{shown[:2]} vs {want[:2]}")

    recs = [json.loads(line) for line in open(flows)]
    fl = rep["flows"]
    for tid, key, values in (
            ("flow-duration-table", "duration_hist",
             [(r["last_ns"] - r["first_ns"]) / 1e9 for r in recs]),
            ("flow-size-table", "bytes_hist", [r["bytes_ab"] + r["bytes_ba"] for r in recs])):
        shown = [int(r[2]) for r in t.get(tid, [])]
        want = buckets(values, fl[key]["upper"])
        res.check(f"{name}: {tid[:-6]}: the report's, and the --flows records bucketed here",
                  shown == fl[key]["flows"] == want and sum(want) == fl["records"] > 0,
                  f"{shown} {fl[key]['flows']} {want}")
    drops = [int(r[2]) for r in t.get("drops-table", [])]
    res.check(f"{name}: drop counters as in the report", drops == [rep["drops"][k] for k in (
        "nic_missed", "nic_errors", "mbuf_exhausted", "spread_ring_full", "flow_records_lost",
        "total")], str(drops))


def main(argv):
    build = os.path.abspath(argv[1])
    res = Results()
    if not res.check("chromium is installed (scripts/setup.sh)",
                     shutil.which("chromium") or shutil.which("chromium-browser")):
        return res.finish()
    for capture in argv[2:]:
        if not os.path.exists(capture):
            print(f"skip: {capture} (not there)")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            check_capture(res, build, os.path.abspath(capture), tmp)
    return res.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
