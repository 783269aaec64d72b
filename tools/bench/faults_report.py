#!/usr/bin/env python3
"""Writes the fault matrix of tools/bench/faults.sh into docs/RESILIENCE.md, between the lines
<!-- faults:begin --> and <!-- faults:end --> (the rest of the file is left alone; the markers are
appended when missing). One row per run, in the order run."""
import argparse
import json
import os
import time

BEGIN, END = "<!-- faults:begin -->", "<!-- faults:end -->"


def cell(v, fmt="{}"):
    return "-" if v is None else fmt.format(v)


def row(d):
    if "error" in d:
        return f"| {d.get('server')} | {d.get('proc', '?')} {d.get('mode', '?')} | {cell(d.get('rate'), '{:.0f}')} | {d.get('round', '')} | " \
               f"no result: {d['error']} |" + " |" * 13
    inj = dict(kv.split("=", 1) for kv in d.get("injected", "").split() if "=" in kv)
    stop = inj.get("stopped_s", "?")
    if inj.get("escalated_to_kill") == "1":
        stop += " (then -9)"
    rec = "-" if d.get("recovery_p50_s") is None else f"{d['recovery_p50_s']:.2f} / {d['recovery_max_s']:.2f}"
    flags = []
    if d.get("misrouted"):
        flags.append(f"misrouted {d['misrouted']}")
    if d.get("unrecovered"):
        flags.append(f"unrecovered {d['unrecovered']}")
    if d.get("fault_error"):
        flags.append(f"fault failed: {d['fault_error']}")
    if d.get("unsent"):
        flags.append(f"unsent {d['unsent']}")
    return (f"| {d['server']} | {d['proc']} {d['mode']} | {d['rate']:.0f} | {d.get('round', '')} | "
            f"{'yes' if d.get('stream_management') else 'no'} | {d['sent']} | {d['acknowledged']} | {d['received']} | "
            f"**{d['lost_acked']}** | {d['lost_unacked']} | **{d['duplicated']}** | {d['late']} | {d['bounced']} | "
            f"**{d['survivor_disconnects']}** / {d['disconnects']} | {d['resumed']} / {d['relogins']} | {rec} | "
            f"{stop} / {inj.get('ready_s', '?')} | {'; '.join(flags)} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--elapsed", default="")
    ap.add_argument("--versions", default="")
    ap.add_argument("--params", default="")
    a = ap.parse_args()
    runs = [d for d in map(json.loads, open(a.results)) if d.get("name") == "faults"]
    versions = dict(v.split("=", 1) for v in a.versions.split("|") if "=" in v)
    lines = [BEGIN,
             f"Run of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `tools/bench/faults.sh` "
             f"({int(a.elapsed or 0) // 60} min); {', '.join(versions.values())}; {a.params}.",
             "",
             "| server | process hit | msg/s per sender | round | XEP-0198 | sent | acked | received | lost after ack | "
             "lost unacked | duplicated | late (>5 s) | bounced | disconnects: surviving c2s / all | resumed / relogins | "
             "recovery p50 / max (s) | stop took / back after (s) | notes |",
             "|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|---|---|"]
    lines += [row(d) for d in runs]
    lines.append(END)
    text = open(a.out).read() if os.path.exists(a.out) else ""
    block = "\n".join(lines)
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text = text + ("\n" if text and not text.endswith("\n") else "") + block + "\n"
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    with open(a.out, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
