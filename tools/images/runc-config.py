#!/usr/bin/python3
"""Writes a runc bundle's config.json (OCI runtime spec 1.0) for one container of an image built by
tools/images/build.sh and unpacked by `umoci unpack` (--image-dir: its rootfs/ and config.json): the
image's entry point, environment, user and working directory (as umoci took them from the image
config) with these settings on top:
  - the process runs as the image's non-root uid, with no capabilities (--cap: one to keep, for a
    one-shot set-up run as root) and no_new_privs;
  - the root filesystem is the image's, read-only; /tmp is a tmpfs;
  - no rlimits (the process inherits the caller's: where setrlimit is forbidden, as in some
    sandboxes, a spec with rlimits cannot start);
  - its own pid, ipc, uts and mount namespaces, and the network namespace given (made by the caller,
    e.g. `ip netns add NAME`: --netns /run/netns/NAME);
  - bind mounts (--mount SRC:DST[:ro]) for volumes, certificates and /etc/hosts.

usage: runc-config.py --image-dir DIR --out BUNDLE/config.json --hostname NAME --netns PATH
           [--env K=V]... [--mount SRC:DST[:ro]]... [--user UID[:GID]] [--cap CAP_X]... [-- ARGS...]
ARGS replace the image's entry point.
"""
import argparse
import json
import os
import sys


def main():
    argv = sys.argv[1:]
    args_override = None
    if "--" in argv:
        i = argv.index("--")
        argv, args_override = argv[:i], argv[i + 1:]
    p = argparse.ArgumentParser()
    p.add_argument("--image-dir", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--hostname", required=True)
    p.add_argument("--netns", required=True)
    p.add_argument("--env", action="append", default=[])
    p.add_argument("--mount", action="append", default=[])
    p.add_argument("--user")
    p.add_argument("--tmpfs-size", default="64m")
    p.add_argument("--cap", action="append", default=[], help="a capability to keep (CAP_CHOWN ...); none by default")
    a = p.parse_args(argv)

    with open(os.path.join(a.image_dir, "config.json")) as f:
        image = json.load(f)["process"]
    env = dict(e.split("=", 1) for e in image["env"] if not e.startswith("TERM="))
    env.update(e.split("=", 1) for e in a.env)
    uid, _, gid = (a.user or f"{image['user']['uid']}:{image['user']['gid']}").partition(":")
    nosuid_nodev = ["nosuid", "nodev"]

    mounts = [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
         "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
        {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
         "options": nosuid_nodev + ["mode=1777", f"size={a.tmpfs_size}"]},
    ]
    for m in a.mount:
        parts = m.split(":")
        src, dst = os.path.abspath(parts[0]), parts[1]
        opts = ["rbind"] + (["ro"] if len(parts) > 2 and parts[2] == "ro" else ["rw"]) + nosuid_nodev
        mounts.append({"destination": dst, "type": "bind", "source": src, "options": opts})

    config = {
        "ociVersion": "1.0.2",
        "process": {
            "terminal": False,
            "user": {"uid": int(uid), "gid": int(gid or uid)},
            "args": args_override or image["args"],
            "env": [f"{k}={v}" for k, v in env.items()],
            "cwd": image.get("cwd") or "/",
            "capabilities": {k: list(a.cap) for k in ("bounding", "effective", "permitted")},
            "noNewPrivileges": True,
        },
        "root": {"path": os.path.abspath(os.path.join(a.image_dir, "rootfs")), "readonly": True},
        "hostname": a.hostname,
        "mounts": mounts,
        "linux": {
            "namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"},
                           {"type": "network", "path": a.netns}],
            "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                            "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
                            "/proc/scsi"],
            "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
        },
    }
    with open(a.out, "w") as f:
        json.dump(config, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
