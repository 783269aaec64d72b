#!/usr/bin/python3
"""Writes an OCI image layout (https://github.com/opencontainers/image-spec/blob/main/image-layout.md)
for one image: oci-layout, index.json (ref name "latest"), and in blobs/sha256/ the manifest, the
image config (from tools/images/images.json: entry point, environment, user, ports, volumes) and
the gzip layers: the base root filesystem (cached in --layers, shared by every image built on the
same base) and, with --layer, the application layer (a directory: app/, volume mount points).
Tar archives are made by GNU tar (sorted names, numeric owners; the application layer with a fixed
mtime, so that an unchanged publish gives the same digest); gzip -n.

usage: oci-image.py --image NAME --uid UID --base ROOTFS [--layer DIR] --layers CACHE-DIR --out DIR
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def layer(tar_args, work, name):
    """Makes WORK/NAME.tar.gz; returns (diff_id, digest, size) and caches them beside it."""
    meta = os.path.join(work, name + ".json")
    gz = os.path.join(work, name + ".tar.gz")
    if os.path.exists(meta) and os.path.exists(gz):
        with open(meta) as f:
            return json.load(f)
    tar = os.path.join(work, name + ".tar")
    subprocess.run(["tar", "--sort=name", "--numeric-owner", "-cf", tar] + tar_args, check=True)
    diff_id = "sha256:" + sha256_file(tar)
    subprocess.run(["gzip", "-n", "-f", tar], check=True)
    info = {"diff_id": diff_id, "digest": "sha256:" + sha256_file(gz), "size": os.path.getsize(gz)}
    with open(meta, "w") as f:
        json.dump(info, f)
    return info


def blob(out, data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(out, "blobs", "sha256", digest), "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + digest, "size": len(data)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--image", required=True)
    p.add_argument("--uid", required=True)
    p.add_argument("--base", required=True)
    p.add_argument("--layer")
    p.add_argument("--layers", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    with open(os.path.join(HERE, "images.json")) as f:
        spec = json.load(f)[a.image]

    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {
            "User": f"{a.uid}:{a.uid}",
            "Env": [f"{k}={v}" for k, v in
                    {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", **spec["env"]}.items()],
            "Entrypoint": spec["entrypoint"],
            "WorkingDir": spec.get("workdir", "/app"),
            "ExposedPorts": {port: {} for port in spec["ports"]},
            "Volumes": {v: {} for v in spec["volumes"]},
        },
        "rootfs": {"type": "layers", "diff_ids": []},
    }
    os.makedirs(a.layers, exist_ok=True)
    # The base's directory name carries its package list's hash: one cached layer per base.
    base_name = os.path.basename(os.path.dirname(os.path.abspath(a.base)))
    found = [(layer(["-C", a.base, "--exclude=./dev/*", "."], a.layers, base_name),
              os.path.join(a.layers, base_name + ".tar.gz"))]
    config["history"] = [{"created_by": f"mmdebstrap ({base_name})"}]
    if a.layer:
        app_work = os.path.join(a.layers, a.image)
        shutil.rmtree(app_work, ignore_errors=True)
        os.makedirs(app_work)
        found.append((layer(["-C", a.layer, "--mtime=@0", "."], app_work, "app"), os.path.join(app_work, "app.tar.gz")))
        config["history"].append({"created_by": f"dotnet publish -r linux-x64 --self-contained ({a.image})"})
    config["rootfs"]["diff_ids"] = [info["diff_id"] for info, _ in found]

    shutil.rmtree(a.out, ignore_errors=True)
    os.makedirs(os.path.join(a.out, "blobs", "sha256"))
    layers = []
    for info, src in found:
        dst = os.path.join(a.out, "blobs", "sha256", info["digest"].split(":")[1])
        try:
            os.link(src, dst)
        except OSError:
            shutil.copyfile(src, dst)
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                       "digest": info["digest"], "size": info["size"]})
    config_desc = blob(a.out, json.dumps(config, sort_keys=True).encode())
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **config_desc},
        "layers": layers,
    }
    manifest_desc = blob(a.out, json.dumps(manifest, sort_keys=True).encode())
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", **manifest_desc,
                       "annotations": {"org.opencontainers.image.ref.name": "latest"}}],
    }
    with open(os.path.join(a.out, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
    with open(os.path.join(a.out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
