#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""wirestatctl against the real daemon, and against a fake one for bad replies.

    python3 tests/integration/test_wirestatctl.py BUILD_DIR

Starts build/app/wirestat on a net_pcap replay of BUILD_DIR/tests/mix.pcap
(ninja -C BUILD_DIR tests/mix.pcap), without hugepages, with its own DPDK file
prefix and control socket in a temporary directory. Waits until the daemon has
counted every packet of the file, counted here independently by reading the
pcap record headers, then checks every wirestatctl command, its exit codes and
the daemon's clean shutdown. A fake daemon in a thread then answers with error
replies, malformed replies, odd result shapes and no reply at all.

Python 3 standard library only. Prints one line per check and a final
"N passed, M failed"; exits non-zero when a check failed.
"""
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

STARTUP_S = 30
TOP_WHAT_ERROR = '"what" must be one of dst, src, ports, hosts'


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=''):
        if ok:
            self.passed += 1
            print(f'ok      {name}')
        else:
            self.failed += 1
            print(f'FAILED  {name}' + (f': {detail}' if detail else ''))
        return ok


def pcap_packets(path):
    """Records in a classic pcap file, from its record headers alone."""
    with open(path, 'rb') as f:
        data = f.read()
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        endian = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        endian = '>'
    else:
        raise ValueError(f'{path}: not a classic pcap file')
    off, n = 24, 0
    while off + 16 <= len(data):
        incl_len = struct.unpack_from(endian + 'I', data, off + 8)[0]
        off += 16 + incl_len
        n += 1
    if off != len(data):
        raise ValueError(f'{path}: truncated record at the end')
    return n


class Ctl:
    """Runs wirestatctl with a socket path; returns (exit code, stdout, stderr)."""

    def __init__(self, exe, sock):
        self.exe = exe
        self.sock = sock

    def __call__(self, *args, sock=None, env=None, timeout=30):
        argv = [self.exe] + (['--socket', sock or self.sock] if sock != '' else []) + list(args)
        e = dict(os.environ)
        e.pop('WIRESTAT_SOCKET', None)
        e.update(env or {})
        p = subprocess.run(argv, capture_output=True, text=True, env=e, timeout=timeout,
                           stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout, p.stderr

    def json(self, *args):
        rc, out, err = self(*args, '--json')
        if rc != 0:
            raise RuntimeError(f'wirestatctl {" ".join(args)}: exit {rc}: {err.strip()}')
        return json.loads(out)


def write_config(tmp, pcap, prefix, sock):
    path = os.path.join(tmp, 'wirestat.yaml')
    with open(path, 'w') as f:
        f.write(f'''eal: {{hugepages: false, memory_mb: 512, file_prefix: {prefix}, log_level: err,
      extra_args: [--no-telemetry]}}
ports: [{{name: replay, device: "net_pcap0,rx_pcap={pcap}"}}]
lcores: {{management: 0, rx: [1]}}
mempool: {{mbufs: 8191}}
socket: {{path: {sock}, mode: "0600"}}
prometheus: {{listen: ""}}
''')
    return path


def wait_ready(t, ctl, daemon, want):
    """Until the socket answers and stats shows every packet of the file, reported to the
    top lists too (they are fed per flow, a few seconds later: top_pending)."""
    deadline = time.monotonic() + STARTUP_S
    packets = None
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            t.check('daemon starts', False, f'exited {daemon.returncode}')
            return False
        rc, out, _ = ctl('stats', '--json', '-n', '1')
        if rc == 0:
            rep = json.loads(out)
            packets = rep.get('packets')
            # top lists and unique follow the packets within seconds (flow reports)
            if packets == want and rep.get('top_pending') == 0:
                return t.check('daemon answers and counted the whole file', True)
        time.sleep(0.1)
    return t.check('daemon answers and counted the whole file', False,
                   f'stats packets {packets}, file has {want}')


def check_queries(t, ctl, want):
    rc, out, err = ctl('status')
    first = out.splitlines()[0] if out else ''
    t.check('status exits 0', rc == 0, err)
    t.check('status first line is OK', first.startswith('OK: 1 port up, nothing dropped in the last ')
            and f'(0 since start), {want} packets' in first,
            repr(first))

    rc, out, err = ctl('status', sock='', env={'WIRESTAT_SOCKET': ctl.sock})
    t.check('WIRESTAT_SOCKET is honoured', rc == 0 and out.startswith('OK:'), err)

    st = ctl.json('stats')
    t.check('stats --json packets equal the packets in the file', st.get('packets') == want,
            f'{st.get("packets")} != {want}')
    rc, out, err = ctl('stats')
    t.check('stats prints the report', rc == 0 and f'packets {want}' in out
            and 'dropped before analysis: 0' in out, err)

    top = ctl.json('top', 'dst', '-n', '3')
    counts = [e.get('packets') for e in top.get('entries', [])]
    t.check('top dst -n 3 --json has 3 entries', len(counts) == 3, str(top))
    t.check('top dst entries sorted by packets', counts == sorted(counts, reverse=True), str(counts))

    # Each query answers with the report's own part, not a list of its own making.
    for what, key in (('dst', 'top_dst_ips'), ('src', 'top_src_ips'), ('ports', 'top_dst_ports'),
                      ('hosts', 'hosts'), ('pairs', 'top_pairs'), ('sites', 'sites')):
        top = ctl.json('top', what, '-n', '5')
        t.check(f'top {what} -n 5 is the head of the report\'s {key}',
                top.get('entries') == st.get(key, [])[:5], f'{top} vs {st.get(key)}')
        t.check(f'top {what} error_bound is the report\'s',
                top.get('error_bound') == st['top_error_bound'][key], str(top.get('error_bound')))
    uniq = ctl.json('unique')
    t.check('unique is the report\'s', uniq == st.get('unique'), f'{uniq} vs {st.get("unique")}')

    hosts = ctl.json('top', 'hosts')['entries']
    rc, out, err = ctl('top', 'hosts')
    t.check('top hosts table holds the first host of the JSON',
            rc == 0 and bool(hosts) and hosts[0]['name'] in out, out + err)
    sites = ctl.json('top', 'sites')['entries']
    rc, out, err = ctl('top', 'sites', '-n', '1')
    t.check('top sites table holds the first site of the JSON and its flows',
            rc == 0 and bool(sites) and sites[0]['name'] in out
            and f" {sites[0]['flows']} " in out, out + err)
    rc, out, err = ctl('top', 'ports', '-n', '2')
    t.check('top ports table', rc == 0 and len(out.splitlines()) == 4, out + err)

    cores = ctl.json('cores')
    t.check('cores --json: the RX lcores counted every packet',
            sum(c.get('rx', 0) for c in cores) == want, str(cores))
    rc, out, err = ctl('cores')
    t.check('cores table', rc == 0 and 'lcore' in out and str(want) in out, out + err)
    ports = ctl.json('ports')
    t.check('ports --json', len(ports) == 1 and ports[0].get('ipackets') == want, str(ports)[:200])
    rc, out, err = ctl('ports')
    t.check('ports table', rc == 0 and 'replay' in out and 'net_pcap' in out, out + err)
    rc, out, err = ctl('help')
    t.check('help lists the daemon commands', rc == 0 and 'reset' in out and 'top' in out, err)


def check_watch(t, ctl):
    rc, out, err = ctl('watch', '--count', '2', '--interval', '200')
    t.check('watch --count 2 prints two frames with pps',
            rc == 0 and 'pps' in out and out.count('top destinations') == 2, f'{rc} {err}')
    t.check('watch without a terminal writes no escape sequences', '\x1b' not in out)
    rc, out, err = ctl('watch', '--count', '3', '--interval', '100', '--json')
    lines = [json.loads(x) for x in out.splitlines()] if rc == 0 else []
    t.check('watch --json prints one line per refresh, rates from the second',
            len(lines) == 3 and lines[0]['pps'] is None and lines[2]['pps'] == 0.0,
            out + err)


def check_reset(t, ctl):
    rc, out, err = ctl('reset')
    t.check('reset exits 0', rc == 0 and 'reset' in out, err)
    deadline = time.monotonic() + 1.0
    packets = None
    while time.monotonic() < deadline:
        packets = ctl.json('stats').get('packets')
        if packets == 0:
            break
        time.sleep(0.05)
    t.check('stats shows 0 packets within 1 s of reset', packets == 0, str(packets))


def check_usage(t, ctl, tmp):
    rc, out, _ = ctl('--help', sock='')
    t.check('--help exits 0 and lists the exit codes', rc == 0 and 'exit status' in out
            and 'usage: wirestatctl' in out)
    for args, name in ((['frobnicate'], 'unknown command'), ([], 'no command'),
                       (['stats', '-n', '0'], '-n 0'), (['stats', '-n', '12x'], '-n 12x'),
                       (['top', 'dst', '-n', '-3'], 'negative -n'),
                       (['status', '--bogus'], 'unknown option'),
                       (['status', 'extra'], 'extra argument'), (['top'], 'top without a list'),
                       (['watch', '--interval', '5'], 'watch interval too short'),
                       (['cores', '--count', '2'], '--count outside watch')):
        rc, _, err = ctl(*args)
        t.check(f'{name} exits 2 with a usage message', rc == 2 and 'usage:' in err, f'{rc} {err}')
    rc, _, err = ctl('top', 'bogus')
    t.check('top bogus exits 2 (or 1 from the daemon)', rc in (1, 2) and 'bogus' in err
            or TOP_WHAT_ERROR in err, f'{rc} {err}')

    missing = os.path.join(tmp, 'nothing-here.sock')
    rc, _, err = ctl('status', sock=missing)
    t.check('no socket: exit 3 and says so',
            rc == 3 and f'wirestat is not running (no socket at {missing})' in err, f'{rc} {err}')
    stale = os.path.join(tmp, 'stale.sock')
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(stale)
    s.close()
    rc, _, err = ctl('stats', sock=stale)
    t.check('stale socket (connection refused): exit 3', rc == 3 and 'not running' in err,
            f'{rc} {err}')


def stop_daemon(t, daemon, sock, prefix):
    daemon.send_signal(signal.SIGTERM)
    try:
        out, err = daemon.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        t.check('daemon exits on SIGTERM', False, 'still running after 20 s')
        return
    t.check('daemon exits 0 on SIGTERM', daemon.returncode == 0, f'{daemon.returncode}: {err}')
    t.check('daemon prints its final report', 'packets ' in out and 'dropped before analysis' in out,
            out[-300:])
    t.check('daemon removes its socket', not os.path.exists(sock))
    t.check('daemon leaves no DPDK runtime directory',
            not os.path.exists(f'/var/run/dpdk/{prefix}'), f'/var/run/dpdk/{prefix}')


class FakeDaemon(threading.Thread):
    """Answers every request line with self.reply; None: never answers; b'': closes."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(8)
        self.reply = b''
        self.stop = False

    def run(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        buf = b''
        with conn:
            while True:
                try:
                    d = conn.recv(65536)
                except OSError:
                    return
                if not d:
                    return
                buf += d
                while b'\n' in buf:
                    _, buf = buf.split(b'\n', 1)
                    reply = self.reply
                    if reply is None:
                        continue
                    if reply == b'':
                        return
                    conn.sendall(reply + b'\n')

    def close(self):
        self.stop = True
        self.sock.close()


ODD_RESULTS = [
    None, 1, 'x', [], {}, [1, 'a', None, [], {}],
    {'ports': 5, 'drops': 'x', 'packets': 'many', 'entries': {'a': 1}, 'time': [], 'hosts': [1, 2],
     'top_dst_ips': [{'ip': 5, 'packets': 'x'}, 7], 'malformed_reasons': [], 'what': 3},
    {'ports': [{'name': {}, 'link': 'down'}, 3], 'drops': {'total': 37, 'nic_missed': 37}},
    {'ports': [{'name': 'up0', 'link': 'up'}], 'drops': {'total': -5}, 'packets': 2 ** 63 - 1,
     'time': {'uptime_s': 1e300, 'first_us': -1, 'duration_s': 'x'}},
    {'what': 'hosts', 'error_bound': 'x',
     'entries': [{'name': '\x1b[2J\x1b]0;evil\x07\u009b31m' + 'h' * 5000, 'source': '\x1b',
                  'count': 1, 'bytes': 2}, {'name': 'x'}]},
    [{'name': {}, 'link': 1, 'lcore': 'x', 'busy': 'y', 'xstats': [1], 'help': None},
     {'xstats': {'\x1bbad': 1, 'ok': 'str'}, 'busy': 1e308, 'speed_mbps': 2 ** 62}],
    {'ipfix': [{'collector': '\x1b[2J' + 'c' * 500, 'transport': 5, 'connected': 'x',
                'records': -1}, 3, None]},
]
COMMANDS = [['status'], ['stats'], ['top', 'hosts'], ['cores'], ['ports'], ['reset'], ['help'],
            ['export'], ['watch', '--count', '2', '--interval', '100']]


def check_bad_replies(t, ctl, tmp):
    path = os.path.join(tmp, 'fake.sock')
    fake = FakeDaemon(path)
    fake.start()
    try:
        fake.reply = json.dumps({'status': 22, 'error': TOP_WHAT_ERROR}).encode()
        rc, _, err = ctl('top', 'dst', sock=path)
        t.check('daemon error: exit 1 and its message',
                rc == 1 and f'wirestatctl: top: {TOP_WHAT_ERROR}' in err, f'{rc} {err}')
        fake.reply = b'{"status": 5}'
        rc, _, err = ctl('status', sock=path)
        t.check('daemon error without a message: exit 1', rc == 1 and 'error 5' in err, err)

        broken = {b'garbage': 'not JSON', b'[1]': 'not an object', b'{"status":"0","result":{}}':
                  'string status', b'{"status":0}': 'no result', b'': 'connection closed'}
        for reply, name in broken.items():
            fake.reply = reply
            rc, _, err = ctl('stats', sock=path)
            t.check(f'{name}: exit 4', rc == 4 and err.startswith('wirestatctl: stats:'),
                    f'{rc} {err}')
        fake.reply = None
        t0 = time.monotonic()
        rc, _, err = ctl('--timeout', '300', 'status', sock=path)
        t.check('no reply: exit 4 after --timeout',
                rc == 4 and time.monotonic() - t0 < 5 and 'in time' in err, f'{rc} {err}')

        bad = []
        for result in ODD_RESULTS:
            fake.reply = json.dumps({'status': 0, 'result': result}).encode()
            for args in COMMANDS:
                rc, out, err = ctl(*args, sock=path)
                if rc not in (0, 4) or '\x1b' in out or '\x9b' in out or (rc == 4 and not err):
                    bad.append(f'{args} on {json.dumps(result)[:60]}: exit {rc} {err.strip()}')
        t.check(f'{len(ODD_RESULTS) * len(COMMANDS)} odd reply shapes: no crash, exit 0 or 4, '
                'no escape sequences', not bad, '; '.join(bad[:5]))

        fake.reply = json.dumps({'status': 0, 'result': ODD_RESULTS[7]}).encode()
        rc, out, _ = ctl('status', sock=path)
        t.check('status with a port down says DOWN first', out.startswith('DOWN: port '), out)
        fake.reply = json.dumps({'status': 0, 'result': {
            'ports': [{'name': 'p', 'link': 'up'}], 'ports_up': True, 'packets': 10,
            'drops': {'total': 37, 'nic_missed': 37}}}).encode()
        rc, out, _ = ctl('status', sock=path)
        t.check('status with drops says DROPPING first', out.startswith(
            'DROPPING: 37 packets lost (NIC missed 37)'), out)
    finally:
        fake.close()


def guarded(t, fn, *args):
    """Run one group of checks; an exception fails it rather than the run."""
    try:
        return fn(t, *args)
    except Exception as e:  # noqa: BLE001 - any failure is a failed check
        t.check(fn.__name__, False, f'{type(e).__name__}: {e}')
        return None


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    build = os.path.abspath(sys.argv[1])
    wirestat = os.path.join(build, 'app', 'wirestat')
    pcap = os.path.join(build, 'tests', 'mix.pcap')
    for f in (wirestat, os.path.join(build, 'app', 'wirestatctl'), pcap):
        if not os.path.exists(f):
            print(f'{f} is missing: ninja -C {build} app/wirestat app/wirestatctl tests/mix.pcap',
                  file=sys.stderr)
            return 2
    t = Checks()
    want = pcap_packets(pcap)
    tcpdump = shutil.which('tcpdump')
    if tcpdump:
        p = subprocess.run([tcpdump, '-nr', pcap], capture_output=True, text=True)
        t.check('pcap record count agrees with tcpdump', len(p.stdout.splitlines()) == want)
    tmp = tempfile.mkdtemp(prefix='wsctl-')
    prefix = f'wsctltest{os.getpid()}'
    sock = os.path.join(tmp, 'ctl.sock')
    ctl = Ctl(os.path.join(build, 'app', 'wirestatctl'), sock)
    daemon = None
    try:
        cfg = write_config(tmp, pcap, prefix, sock)
        daemon = subprocess.Popen([wirestat, '-c', cfg], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        if not wait_ready(t, ctl, daemon, want):
            daemon.kill()
            print(daemon.communicate()[1], file=sys.stderr)
        else:
            guarded(t, check_queries, ctl, want)
            guarded(t, check_watch, ctl)
            guarded(t, check_reset, ctl)
            guarded(t, check_usage, ctl, tmp)
            guarded(t, stop_daemon, daemon, sock, prefix)
            rc, _, err = ctl('status')
            t.check('after the daemon stopped: exit 3', rc == 3 and 'not running' in err, err)
        guarded(t, check_bad_replies, ctl, tmp)
    finally:
        if daemon and daemon.poll() is None:
            daemon.kill()
            daemon.communicate()
        shutil.rmtree(f'/var/run/dpdk/{prefix}', ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f'{t.passed} passed, {t.failed} failed')
    return 1 if t.failed else 0


if __name__ == '__main__':
    sys.exit(main())
