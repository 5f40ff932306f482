#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Control-plane security, end to end, as real users.

usage: test_security.py BUILD_DIR CAPTURE

Creates two users (a reader in the socket's group, an administrator also in
socket.admin_group), runs the daemon with mode 0660, then connects as each of
them through setpriv(1) (util-linux sets the credentials, not our code): a
stranger cannot connect, the reader reads but is refused reset and filter
changes, the administrator may do both. The daemon's capabilities after
start-up are read from /proc and decoded by capsh(1). Needs root (exit 77,
skipped, otherwise).
"""
import grp
import json
import os
import pwd
import subprocess
import sys

from wslib import Daemon, Results, runtime_dir

CTL_GROUP, ADM_GROUP = "wsit-ctl", "wsit-adm"
READER, ADMIN = "wsit-reader", "wsit-admin"

CLIENT = r"""
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print(json.dumps({"connect_errno": e.errno}))
    sys.exit(0)
s.sendall((sys.argv[2] + "\n").encode())
buf = b""
while not buf.endswith(b"\n"):
    c = s.recv(65536)
    if not c:
        break
    buf += c
print(buf.decode().strip())
"""


def as_user(user, sock, req):
    """One request as user (its own groups from the user database, as login sets them)."""
    out = subprocess.run(["setpriv", f"--reuid={user}", f"--regid={pwd.getpwnam(user).pw_gid}",
                          "--init-groups", sys.executable, "-c", CLIENT, sock, json.dumps(req)],
                         capture_output=True, text=True, timeout=30)
    return json.loads(out.stdout) if out.returncode == 0 and out.stdout else {"stderr": out.stderr}


def make_users():
    for g in (CTL_GROUP, ADM_GROUP):
        subprocess.run(["groupadd", "-f", g], check=True)
    for u, groups in ((READER, CTL_GROUP), (ADMIN, f"{CTL_GROUP},{ADM_GROUP}")):
        subprocess.run(["userdel", u], capture_output=True)
        subprocess.run(["useradd", "-M", "-U", "-s", "/usr/sbin/nologin", "-G", groups, u],
                       check=True)


def remove_users():
    for u in (READER, ADMIN):
        subprocess.run(["userdel", u], capture_output=True)
    for g in (CTL_GROUP, ADM_GROUP, READER, ADMIN):
        subprocess.run(["groupdel", g], capture_output=True)


def proc_status(pid):
    with open(f"/proc/{pid}/status") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def capsh_decode(hexmask):
    """Capability names in a mask, as libcap's capsh decodes it."""
    out = subprocess.run(["capsh", f"--decode={hexmask}"], capture_output=True, text=True,
                         check=True).stdout
    names = out.strip().split("=", 1)[1] if "=" in out else ""
    return set(n for n in names.split(",") if n)


def check_privileges(r, d):
    st = proc_status(d.proc.pid)
    r.check("no_new_privs set", st.get("NoNewPrivs") == "1", st.get("NoNewPrivs"))
    eff, bnd = capsh_decode(st["CapEff"]), capsh_decode(st["CapBnd"])
    allowed = {"cap_net_admin", "cap_net_raw", "cap_ipc_lock", "cap_sys_admin"}
    r.check("effective capabilities only those DPDK may need", eff <= allowed, eff)
    r.check("bounding set as small", bnd <= allowed, bnd)
    r.check("permitted = effective", st["CapPrm"] == st["CapEff"], st["CapPrm"])
    r.check("no inheritable or ambient", int(st["CapInh"], 16) == 0 and
            int(st.get("CapAmb", "0"), 16) == 0, (st["CapInh"], st.get("CapAmb")))
    for gone in ("cap_dac_override", "cap_setuid", "cap_sys_ptrace", "cap_chown",
                 "cap_sys_module"):
        r.check(f"{gone} dropped", gone not in eff and gone not in bnd)


def main(argv):
    build, cap = argv[1], os.path.abspath(argv[2])
    if os.geteuid() != 0:
        print("needs root to create users; skipped")
        return 77
    r = Results()
    make_users()
    try:
        extra = f"  group: {CTL_GROUP}\n  admin_group: {ADM_GROUP}\n"
        with Daemon(build, [f"net_pcap0,rx_pcap={cap}"], socket_mode="0660", extra=extra) as d:
            os.chmod(d.dir, 0o755)  # the socket's own mode is what guards it
            st = os.stat(d.sock)
            r.check("socket mode 0660", st.st_mode & 0o777 == 0o660, oct(st.st_mode))
            r.check("socket group", st.st_gid == grp.getgrnam(CTL_GROUP).gr_gid, st.st_gid)
            check_privileges(r, d)

            rep = as_user("nobody", d.sock, {"cmd": "status"})
            r.check("a stranger cannot connect", rep.get("connect_errno") == 13, rep)

            for req in ({"cmd": "status"}, {"cmd": "stats"}, {"cmd": "filter"},
                        {"cmd": "top", "what": "dst"}):
                rep = as_user(READER, d.sock, req)
                r.check(f"reader may {req}", rep.get("status") == 0, rep)
            for req in ({"cmd": "reset"}, {"cmd": "filter", "set": "tcp"},
                        {"cmd": "filter", "clear": True}):
                rep = as_user(READER, d.sock, req)
                r.check(f"reader refused {req}", rep.get("status") == 1 and
                        ADM_GROUP in rep.get("error", ""), rep)
            for req in ({"cmd": "reset"}, {"cmd": "filter", "set": "tcp"},
                        {"cmd": "filter", "clear": True}):
                rep = as_user(ADMIN, d.sock, req)
                r.check(f"admin may {req}", rep.get("status") == 0, rep)
            ctl = d.call({"cmd": "status"})["result"]["control"]
            r.check("refusals counted", ctl["denied"] == 3, ctl)
            rc = d.stop()
            r.check("stops cleanly with fewer privileges", rc == 0, d.err.decode()[-500:])
            r.check("socket removed", not os.path.exists(d.sock))
            r.check("runtime directory removed", not os.path.exists(runtime_dir(d.prefix)))
            r.check("says what it kept", b"capabilities kept:" in d.err, d.err.decode()[-500:])
    finally:
        remove_users()
    return r.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
