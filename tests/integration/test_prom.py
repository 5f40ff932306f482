#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The Prometheus endpoint, the Grafana dashboard and DPDK telemetry, on a running daemon.

usage: test_prom.py BUILD_DIR CAPTURE DASHBOARD_JSON
- a finite net_pcap replay through two RX lcores and a capture filter; once every
  packet is in, a scrape with curl passes `promtool check metrics`, and every counter
  equals the daemon's own `wirestatctl stats`, `ports` and `cores` replies;
- bad HTTP requests (garbage, unknown path, other methods, oversized, half-sent and
  stalled, more connections than served) get their error or are turned away, are
  counted, and wirestatctl keeps answering meanwhile;
- a real Prometheus scrapes the daemon with docs/deploy.md's scrape configuration and
  alert rules, and every query of the Grafana dashboard runs there and returns data;
  each metric it names is in the scrape, each counter it names is under rate();
- docs/prometheus.md lists every metric family of the scrape;
- `dpdk-telemetry.py -f PREFIX` lists the /wirestat/ commands and reads the same values
  as wirestatctl.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

from wslib import Daemon, Results, pcap_count

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_exposition(text):
    """{family: [(labels, value)]}, and the TYPE of each family."""
    samples, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            types[name] = kind
            continue
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError("not a sample line: " + line)
        labels = dict(LABEL.findall(m.group(2) or ""))
        value = float(m.group(3)) if "." in m.group(3) or "e" in m.group(3) else int(m.group(3))
        samples.setdefault(m.group(1), []).append((labels, value))
    return samples, types


class Scrape:
    def __init__(self, text):
        self.text = text
        self.samples, self.types = parse_exposition(text)

    def get(self, name, **labels):
        """The one sample of name with these labels (None if there is not exactly one)."""
        hits = [v for l, v in self.samples.get(name, []) if all(l.get(k) == w for k, w in labels.items())]
        return hits[0] if len(hits) == 1 else None

    def sum(self, name, **labels):
        return sum(v for l, v in self.samples.get(name, []) if all(l.get(k) == w for k, w in labels.items()))


def http(addr, data, read=True, timeout=10):
    """Send raw bytes to the endpoint; the reply up to the server's close."""
    host, port = addr.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=timeout)
    try:
        if data:
            s.sendall(data)
        buf = b""
        while read:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        return buf
    finally:
        s.close()


def status_line(reply):
    return reply.split(b"\r\n", 1)[0].decode(errors="replace")


class Ctl:
    def __init__(self, build, sock):
        self.argv = [os.path.join(build, "app/wirestatctl"), "-s", sock, "--json"]

    def __call__(self, *args):
        r = subprocess.run(self.argv + list(args), capture_output=True, timeout=30)
        if r.returncode != 0:
            raise RuntimeError(f"wirestatctl {' '.join(args)}: {r.stderr.decode()}")
        return json.loads(r.stdout)


def wait_quiescent(d, want, timeout=60):
    """Until the port took every packet and nothing changed for longer than a closed
    flow lingers (2 s), so that every reply and scrape after this sees the same."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        port = d.call({"cmd": "ports"})["result"][0]["ipackets"]
        fl = d.call({"cmd": "flows"})["result"]
        now = (port, d.call({"cmd": "status"})["result"]["packets"], fl["records"],
               fl["active"])
        if port >= want and now == last:
            return True
        last = now
        time.sleep(2.5)
    return False


def check_counters(res, sc, stats, ports, cores):
    """Every counter of the scrape against the daemon's own replies."""
    p = stats["protocols"]
    res.check("metrics: packets and bytes equal stats",
              sc.get("wirestat_packets_total") == stats["packets"] and
              sc.get("wirestat_bytes_total") == stats["bytes"],
              f"{sc.get('wirestat_packets_total')} {stats['packets']}")
    l3 = {k: sc.get("wirestat_l3_packets_total", proto=k) for k in ("ipv4", "ipv6", "arp", "non_ip")}
    l4 = {k: sc.get("wirestat_l4_packets_total", proto=k.replace("other_l4", "other"))
          for k in ("tcp", "udp", "icmp", "icmpv6", "other_l4")}
    res.check("metrics: per-protocol counters equal stats.protocols",
              all(v == p[k] for k, v in {**l3, **l4}.items()), f"{l3} {l4} vs {p}")
    reasons = {k: sc.get("wirestat_malformed_packets_total", reason=k) for k in stats["malformed_reasons"]}
    res.check("metrics: malformed by reason equal stats, and add up to protocols.malformed",
              reasons == stats["malformed_reasons"] and
              sc.sum("wirestat_malformed_packets_total") == p["malformed"], str(reasons))
    families = [("wirestat_frame_size_packets_total", "size", stats["frame_sizes"]),
                ("wirestat_tcp_flag_packets_total", "flag", stats["tcp_flags"]),
                ("wirestat_hostnames_total", "source",
                 {k: stats["hostnames"][k] for k in ("dns", "tls", "http")}),
                ("wirestat_encapsulated_packets_total", "encap", stats["encapsulation"]),
                ("wirestat_vlan_packets_total", "tags",
                 {"0": stats["vlan"]["untagged"], **stats["vlan"]["depth"]}),
                ("wirestat_unique_estimate", "what",
                 {k: stats["unique"][k] for k in ("src_ips", "dst_ips", "flows")})]
    for name, label, want in families:
        got = {k: sc.get(name, **{label: k}) for k in want}
        res.check(f"metrics: {name} equals stats", got == want and
                  len(sc.samples.get(name, [])) == len(want), f"{got} vs {want}")
    res.check("metrics: fragments and hostname problems equal stats",
              sc.get("wirestat_ip_fragments_total") == stats["fragments"]["all"] and
              sc.get("wirestat_ip_later_fragments_total") == stats["fragments"]["later"] and
              sc.get("wirestat_hostname_partial_total") == stats["hostnames"]["partial"] and
              sc.get("wirestat_hostname_malformed_total") == stats["hostnames"]["malformed"])
    for port in ports:
        got = {k: sc.get(f"wirestat_port_{m}_total", port=port["name"]) for k, m in
               (("ipackets", "rx_packets"), ("ibytes", "rx_bytes"), ("imissed", "rx_missed"),
                ("ierrors", "rx_errors"), ("rx_nombuf", "rx_nombuf"))}
        res.check(f"metrics: port {port['name']} counters equal ports",
                  all(got[k] == port[k] for k in got) and
                  sc.get("wirestat_port_link_up", port=port["name"]) == (port["link"] == "up"),
                  f"{got} vs {port}")
    for c in cores:
        lc = str(c["lcore"])
        got = {k: sc.get(f"wirestat_lcore_{m}", lcore=lc) for k, m in
               (("rx", "rx_packets_total"), ("spread_in", "spread_in_packets_total"),
                ("spread_out", "spread_out_packets_total"),
                ("ring_full", "spread_ring_full_packets_total"),
                ("passed", "filter_passed_packets_total"),
                ("rejected", "filter_rejected_packets_total"))}
        res.check(f"metrics: lcore {lc} counters equal cores",
                  all(got[k] == c[k] for k in got), f"{got} vs {c}")
    f, fl, dr = stats["filter"], stats["flows"], stats["drops"]
    res.check("metrics: filter counters equal stats.filter",
              sc.sum("wirestat_lcore_filter_passed_packets_total") == f["passed"] and
              sc.sum("wirestat_lcore_filter_rejected_packets_total") == f["rejected"] and
              sc.sum("wirestat_lcore_filter_rejected_bytes_total") == f["rejected_bytes"] and
              sc.get("wirestat_filter_generation") == f["generation"] and
              sc.get("wirestat_filter_info", expression=f["expression"]) == 1, str(f))
    ended = {k: sc.sum("wirestat_flows_ended_total", reason=k) for k in fl["ended"]}
    res.check("metrics: flow counters equal stats.flows",
              sc.sum("wirestat_flows_active") == fl["active"] and
              sc.sum("wirestat_flows_created_total") == fl["total"] and ended == fl["ended"] and
              sc.get("wirestat_flow_records_total") == fl["records"] and
              sc.sum("wirestat_flow_records_lost_total") == fl["records_lost"],
              f"{ended} vs {fl['ended']}")
    res.check("metrics: drops add up to stats.drops",
              sc.sum("wirestat_port_rx_missed_total") == dr["nic_missed"] and
              sc.sum("wirestat_port_rx_errors_total") == dr["nic_errors"] and
              sc.sum("wirestat_port_rx_nombuf_total") == dr["mbuf_exhausted"] and
              sc.sum("wirestat_lcore_spread_ring_full_packets_total") == dr["spread_ring_full"],
              str(dr))
    info = sc.samples.get("wirestat_build_info", [({}, 0)])[0][0]
    res.check("metrics: build info names wirestat's and DPDK's versions",
              info.get("version") and info.get("dpdk", "").startswith("DPDK "), str(info))
    res.check("metrics: counters are typed counter and end in _total, gauges do not",
              all((t == "counter") == n.endswith("_total") for n, t in sc.types.items()) and
              set(sc.types) == set(sc.samples), str(sc.types))


def check_hostile(res, d, addr, ctl):
    base = Scrape(urllib.request.urlopen(f"http://{addr}/metrics", timeout=10).read().decode())
    cases = [("garbage", b"\x16\x03\x01 hello\r\n\r\n", "400"),
             ("not HTTP/1.x", b"GET /metrics HTTP/2.0\r\n\r\n", "400"),
             ("unknown path", b"GET /admin HTTP/1.1\r\nHost: x\r\n\r\n", "404"),
             ("POST", b"POST /metrics HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi", "405"),
             ("head over 8 KiB", b"GET /metrics HTTP/1.1\r\nX-Pad: " + b"a" * 9000, "431")]
    for name, data, code in cases:
        line = status_line(http(addr, data))
        res.check(f"http: {name} -> {code}", line.startswith("HTTP/1.1 " + code), line)
    # Half a request, then silence: answered 408 after the daemon's timeout (5 s).
    t0 = time.time()
    line = status_line(http(addr, b"GET /metr", timeout=15))
    res.check("http: half-sent and stalled -> 408 within the timeout",
              line.startswith("HTTP/1.1 408") and time.time() - t0 < 8, line)
    # More silent connections than it serves: the rest get 503 at once; ctl still answers.
    held = [socket.create_connection(addr.rsplit(":", 1), timeout=5) for _ in range(40)]
    time.sleep(0.3)
    turned = 0
    for s in held:
        s.settimeout(0.05)
        try:
            turned += s.recv(100).startswith(b"HTTP/1.1 503")
        except socket.timeout:
            pass
    st = ctl("stats")
    res.check("http: connections over the limit are turned away with 503 (some held)",
              0 < turned < len(held), f"{turned} of {len(held)}")
    res.check("http: wirestatctl stats answers while the endpoint is flooded",
              st["packets"] > 0)
    for s in held:
        s.close()
    time.sleep(0.3)
    after = Scrape(urllib.request.urlopen(f"http://{addr}/metrics", timeout=10).read().decode())
    diff = {r: after.get("wirestat_http_errors_total", reason=r) -
            base.get("wirestat_http_errors_total", reason=r) for r in
            ("bad_request", "not_found", "bad_method", "too_large", "timeout", "too_many_connections")}
    res.check("http: every refusal counted by its reason",
              diff == {"bad_request": 2, "not_found": 1, "bad_method": 1, "too_large": 1,
                       "timeout": 1, "too_many_connections": turned}, str(diff))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def check_dashboard(res, dashboard, sc, addr):
    with open(dashboard) as f:
        dash = json.load(f)
    exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
    names = set(re.findall(r"\bwirestat_[a-z0-9_]+", " ".join(exprs)))
    res.check("dashboard: every metric it names is in the scrape",
              names and names <= set(sc.samples), str(names - set(sc.samples)))
    bare = [e for e in exprs if re.search(r"(?<!rate\()\bwirestat_\w+_total\b", e)]
    res.check("dashboard: counters only under rate()", not bare, str(bare))
    tool = shutil.which("prometheus")
    if not res.check("prometheus is installed", tool is not None):
        return
    # The scrape configuration and alert rules of docs/deploy.md, aimed at this daemon.
    with open(os.path.join(SOURCE, "docs", "deploy.md")) as f:
        blocks = re.findall(r"```yaml\n(.*?)```", f.read(), re.S)
    scrape = [b for b in blocks if "scrape_configs:" in b]
    rules = [b for b in blocks if "alert:" in b]
    if not res.check("docs/deploy.md has a scrape configuration and alert rules",
                     len(scrape) == 1 and len(rules) == 1):
        return
    tmp = tempfile.mkdtemp(prefix="wsprom.")
    port = free_port()
    conf = os.path.join(tmp, "prometheus.yml")
    with open(os.path.join(tmp, "rules.yml"), "w") as f:
        f.write(rules[0])
    with open(conf, "w") as f:
        f.write("rule_files: [rules.yml]\n" +
                re.sub(r"targets: \[.*\]", f'targets: ["{addr}"]',
                       scrape[0].replace("scrape_interval: 15s", "scrape_interval: 1s")))
    for what, path in (("config", conf), ("rules", os.path.join(tmp, "rules.yml"))):
        r = subprocess.run(["promtool", "check", what, path], capture_output=True)
        res.check(f"promtool check {what}: docs/deploy.md's snippet", r.returncode == 0,
                  (r.stdout + r.stderr).decode()[-300:])
    p = subprocess.Popen([tool, f"--config.file={conf}", f"--storage.tsdb.path={tmp}/data",
                          f"--web.listen-address=127.0.0.1:{port}"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    api = f"http://127.0.0.1:{port}/api/v1/query?query="
    try:
        deadline, up = time.time() + 60, None
        while time.time() < deadline:
            time.sleep(1)
            try:
                r = json.load(urllib.request.urlopen(api + urllib.parse.quote(
                    "count_over_time(wirestat_build_info[1m])"), timeout=5))["data"]["result"]
                up = int(r[0]["value"][1]) if r else 0
            except OSError:
                continue
            if up >= 4:
                break
        res.check("prometheus scraped the daemon", (up or 0) >= 4, str(up))
        failed, empty = [], []
        for e in exprs:
            q = e.replace("$__rate_interval", "1m").replace("$instance", ".*")
            try:
                r = json.load(urllib.request.urlopen(api + urllib.parse.quote(q), timeout=10))
            except OSError as err:
                failed.append(f"{q}: {err}")
                continue
            if r.get("status") != "success":
                failed.append(f"{q}: {r}")
            elif not r["data"]["result"] and ">" not in q:
                empty.append(q)
        res.check("dashboard: every query runs in Prometheus", not failed, str(failed)[:600])
        res.check("dashboard: every query returns data", not empty, str(empty)[:600])
    finally:
        p.terminate()
        p.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)


def as_telemetry(v):
    """A reply as wirestat hands it to DPDK telemetry (app/wirestat/telemetry.c)."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float):
        return "%.6f" % v
    if isinstance(v, dict):
        return {k: as_telemetry(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        if all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in v) or \
                all(isinstance(x, str) for x in v):
            return v
        return {str(i): as_telemetry(x) for i, x in enumerate(v)}
    return v


def without(v, keys):
    """v without the keys that move with the clock."""
    if isinstance(v, dict):
        return {k: without(x, keys) for k, x in v.items() if k not in keys}
    return v


def check_telemetry(res, d, ctl):
    tool = shutil.which("dpdk-telemetry.py")
    if not res.check("dpdk-telemetry.py is installed", tool is not None):
        return
    cmds = ["/", "/wirestat/stats", "/wirestat/ports", "/wirestat/cores", "/wirestat/flows",
            "/wirestat/filter", "/wirestat/unique", "/wirestat/top,dst", "/wirestat/stats,ten"]
    r = subprocess.run([tool, "-f", d.prefix], input="\n".join(cmds).encode() + b"\n",
                       capture_output=True, timeout=60)
    answers = []  # in the order asked
    for line in r.stdout.decode().splitlines():
        line = line.strip().lstrip("-> ").strip()
        if line.startswith("{") and not line.startswith('{"version"'):
            try:
                answers.append(json.loads(line))
            except ValueError:
                answers.append({})
    replies = {c: a.get(c.split(",")[0]) for c, a in zip(cmds, answers)}
    listed = replies.get("/") or []
    ours = ["/wirestat/cores", "/wirestat/filter", "/wirestat/flows", "/wirestat/ports",
            "/wirestat/stats", "/wirestat/status", "/wirestat/top", "/wirestat/unique"]
    res.check("telemetry: / lists the /wirestat/ commands", all(c in listed for c in ours),
              r.stdout.decode()[-400:] + r.stderr.decode()[-300:])
    clock = {"time", "uptime_s", "busy", "in_force_since_s"}
    stats = ctl("stats")
    stats.pop("rates")
    want = {"/wirestat/stats": stats, "/wirestat/ports": ctl("ports"),
            "/wirestat/cores": ctl("cores"), "/wirestat/flows": ctl("flows"),
            "/wirestat/filter": ctl("filter"), "/wirestat/unique": ctl("unique"),
            "/wirestat/top": ctl("top", "dst")}
    for cmd, w in want.items():
        got = replies.get(cmd if cmd != "/wirestat/top" else "/wirestat/top,dst")
        res.check(f"telemetry: {cmd} reads what wirestatctl says",
                  got is not None and without(got, clock) == without(as_telemetry(w), clock),
                  json.dumps(got)[:300] + " vs " + json.dumps(as_telemetry(w))[:300])
    bad = replies.get("/wirestat/stats,ten") or {}
    res.check("telemetry: a bad parameter gets the control socket's error",
              bad.get("status") == 22 and "\"n\" must be an integer" in bad.get("error", ""),
              str(bad))


def main(argv):
    build, cap, dashboard = argv[1:4]
    res = Results()
    want = pcap_count(cap)
    dev = f"net_pcap0,rx_pcap={os.path.abspath(cap)}"
    extra = 'filter: "not arp"\nanalytics:\n  flow_idle_s: 3600\n'
    with Daemon(build, [dev], rx=(1, 2), mbufs=65535, telemetry=True, prometheus="127.0.0.1:0",
                extra=extra) as d:
        ctl = Ctl(build, d.sock)
        addr = ctl("status")["metrics"]
        res.check("status names the metrics address", re.match(r"127\.0\.0\.1:\d+$", addr), addr)
        res.check("the whole capture went in", wait_quiescent(d, want))
        stats, ports, cores = ctl("stats"), ctl("ports"), ctl("cores")
        r = subprocess.run(["curl", "-sS", "-f", "-D", "-", f"http://{addr}/metrics"],
                           capture_output=True, timeout=30)
        head, _, body = r.stdout.decode().partition("\r\n\r\n")
        res.check("curl: 200 with the 0.0.4 text format",
                  r.returncode == 0 and "200 OK" in head and "text/plain; version=0.0.4" in head,
                  head + r.stderr.decode())
        res.check("nothing moved while the replies and the scrape were taken",
                  ctl("stats")["packets"] == stats["packets"])
        pt = subprocess.run(["promtool", "check", "metrics"], input=body.encode(),
                            capture_output=True, timeout=30)
        res.check("promtool check metrics: no problem", pt.returncode == 0 and not pt.stdout,
                  (pt.stdout + pt.stderr).decode()[:600])
        sc = Scrape(body)
        res.check("the filter rejected packets and passed the rest",
                  stats["filter"]["rejected"] > 0 and stats["packets"] > 0, str(stats["filter"]))
        check_counters(res, sc, stats, ports, cores)
        with open(os.path.join(SOURCE, "docs", "prometheus.md")) as f:
            listed = set(re.findall(r"^\| `(wirestat_\w+)` \|", f.read(), re.M))
        res.check("docs/prometheus.md lists every metric, and only those",
                  listed == set(sc.types), str(listed ^ set(sc.types)))
        check_telemetry(res, d, ctl)
        check_hostile(res, d, addr, ctl)
        check_dashboard(res, dashboard, sc, addr)
        res.check("SIGTERM: exit 0", d.stop() == 0, d.err.decode()[-300:])
        try:
            http(addr, b"GET /metrics HTTP/1.1\r\n\r\n")
            closed = False
        except OSError:
            closed = True
        res.check("SIGTERM: the endpoint is closed", closed)

    # A port in use stops the start, with a message that names it.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        busy = "127.0.0.1:%d" % s.getsockname()[1]
        d = Daemon(build, [dev], prometheus=busy)
        try:
            with d:
                ok = False
        except RuntimeError as e:
            ok = f"prometheus.listen {busy}: Address already in use" in str(e)
            d.__exit__(None, None, None)
        res.check("a port in use: the daemon refuses to start and says why", ok)
    return res.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
