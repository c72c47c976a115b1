#!/usr/bin/python3
"""Create a deterministic set of sample images in the imagegw test cloud's
Glance (started by up.sh).

Run with Debian's python (/usr/bin/python3, which has keystoneauth1); a
pyenv python3 that may come first on PATH does not.

    seed.py                   create the missing sample images
    seed.py --reset           delete EVERY image in Glance, purge the deleted
                              rows and orphaned store files, then create all
    seed.py --bulk N [--owner demo]
                              only: make sure the user's project owns the N
                              queued images bulk-00000 .. bulk-<N-1> (no data,
                              private); creates the missing ones (for
                              benchmarks). With --reset: reset, seed, bulk.

Image specs, uuid5 namespace and names are identical to
/work/shared/refcloud/seed.py, so the sample images get exactly the same ids
as in the refcloud (recordings can be compared). Added here: images owned by
the third project `other` (ref-other-private, ref-other-public). Bulk image
ids are uuid5(NS, "bulk/<owner>/bulk-%05d").

Fixed ids vs Glance soft-delete: a deleted image keeps its row (and, for
deactivated/uploading images, its store file), so re-creating the same id
needs a purge; --reset does it for everything, and a plain run purges and
removes the stale store file when it has to re-create a deleted image.

Environment: IMAGEGW_CLOUD_DIR (default /tmp/imagegw-cloud); the Keystone
and Glance URLs come from IMAGEGW_KEYSTONE_PORT / IMAGEGW_GLANCE_PORT if set,
else from $IMAGEGW_CLOUD_DIR/cloud.env, else ports 25000 / 29292.

Writes $IMAGEGW_CLOUD_DIR/seed.json: {"projects": {...}, "users": {...},
"instance_uuid", "image_data", "images": {name: {id, name, owner_user,
owner_project, visibility, status, protected, os_hidden, members}},
"bulk": {owner: {count, owner_project, name_format, id_name_format}}}.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

D = os.path.abspath(os.environ.get("IMAGEGW_CLOUD_DIR") or
                    "/tmp/imagegw-cloud")


def _urls():
    env = {}
    try:
        with open(os.path.join(D, "cloud.env")) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#") and "=" in line:
                    k, v = line.split("=", 1)
                    env[k] = (shlex.split(v) or [""])[0]
    except OSError:
        pass
    ks_port = os.environ.get("IMAGEGW_KEYSTONE_PORT")
    gl_port = os.environ.get("IMAGEGW_GLANCE_PORT")
    ks = ("http://127.0.0.1:%s/v3" % ks_port if ks_port else
          env.get("KEYSTONE_URL", "http://127.0.0.1:25000/v3"))
    gl = ("http://127.0.0.1:%s" % gl_port if gl_port else
          env.get("GLANCE_URL", "http://127.0.0.1:29292"))
    return ks, gl


KS, GLANCE = _urls()
NS = uuid.UUID("6c1e4a8e-0f5b-4c6e-9a43-0d6b5e9a1f00")   # refcloud namespace
INSTANCE_UUID = "9d3f8a51-6a37-4f56-8a8c-1f1ac5a0c0de"  # fake server id
ACTIVE_DATA = b"refcloud active image data\n"
# user -> project its session is scoped to
USER_PROJECT = {"admin": "admin", "demo": "demo", "alt": "alt",
                "other": "other", "reader": "demo", "imagegw": "service"}


def iid(name):
    return str(uuid.uuid5(NS, name))


def bulk_iid(owner, i):
    return str(uuid.uuid5(NS, "bulk/%s/bulk-%05d" % (owner, i)))


def sess_for(user):
    auth = v3.Password(auth_url=KS, username=user, password="secret",
                       project_name=USER_PROJECT.get(user, user),
                       user_domain_id="default", project_domain_id="default")
    return ks_session.Session(auth=auth)


SESS = {}
SESS_LOCK = threading.Lock()


def s(user):
    with SESS_LOCK:
        if user not in SESS:
            SESS[user] = sess_for(user)
            SESS[user].get_token()   # authenticate once, before any threads
        return SESS[user]


def g(user, method, path, ok=(200, 201, 204), **kw):
    kw.setdefault("headers", {})
    r = s(user).request(GLANCE + path, method, raise_exc=False, **kw)
    if r.status_code not in ok:
        sys.exit("glance %s %s as %s -> %s %s" % (method, path, user,
                                                   r.status_code, r.text))
    return r


def patch(user, image_id, ops):
    return g(user, "PATCH", "/v2/images/%s" % image_id, json=ops,
             headers={"Content-Type":
                      "application/openstack-images-v2.1-json-patch"})


# ---------------------------------------------------------------- the set
# Each spec: name, owner user, create body extras, and post actions:
#   data=True        upload ACTIVE_DATA (-> active)
#   stage=True       PUT /stage only (-> uploading)
#   members=[(user, accept_bool)]
#   deactivate=True  admin deactivates after upload
#   publicize=True   admin sets visibility=public afterwards (only admins
#                    may publicize an image)
SPECS = []


def spec(name, owner="demo", data=False, **kw):
    SPECS.append(dict(name=name, owner=owner, data=data, **kw))


# ---- identical to refcloud/seed.py from here ...
# demo-owned, various shapes
spec("ref-active", data=True, body=dict(disk_format="raw",
                                        container_format="bare"))
spec("ref-queued", body={})          # no formats, no data
spec("ref-queued-with-formats", body=dict(disk_format="qcow2",
                                          container_format="bare"))
spec("ref-snapshot", data=True, body=dict(
    disk_format="qcow2", container_format="bare",
    instance_uuid=INSTANCE_UUID, image_type="snapshot",
    image_location="snapshot", base_image_ref=iid("ref-active"),
    owner_user_name="demo", boot_roles="member,reader"))
spec("ref-autodisk-true", data=True, body=dict(
    disk_format="raw", container_format="bare", auto_disk_config="True"))
spec("ref-autodisk-false", data=True, body=dict(
    disk_format="raw", container_format="bare", auto_disk_config="False"))
spec("ref-autodisk-invalid", data=True, body=dict(
    disk_format="raw", container_format="bare", auto_disk_config="maybe"))
spec("ref-custom-props", data=True, body=dict(
    disk_format="qcow2", container_format="bare",
    os_distro="ubuntu", os_version="22.04", hw_disk_bus="scsi",
    architecture="x86_64", custom_key="custom value",
    unicode_prop="\u00fcn\u00efc\u00f8d\u00e9 \u2603", empty_prop="",
    numeric_string="42", **{"key.with.dots": "dots", "key:with:colons":
                            "colons", "key with spaces": "spaces"}))
spec("ref-minram-mindisk", data=True, body=dict(
    disk_format="raw", container_format="bare", min_ram=512, min_disk=10))
spec("ref-minram-big", data=True, body=dict(
    disk_format="raw", container_format="bare", min_ram=4096, min_disk=80))
spec("ref-protected", data=True, body=dict(
    disk_format="raw", container_format="bare", protected=True,
    purpose="protected"))
spec("ref-hidden", data=True, body=dict(
    disk_format="raw", container_format="bare", os_hidden=True))
spec("ref-tagged", data=True, body=dict(
    disk_format="raw", container_format="bare", tags=["tag1", "tag2"]))
spec("ref-noname", body=dict(disk_format="raw", container_format="bare"),
     noname=True)
spec("ref-dup-name-a", body=dict(name="ref-dup-name", disk_format="raw",
                                 container_format="bare"))
spec("ref-dup-name-b", body=dict(name="ref-dup-name", disk_format="raw",
                                 container_format="bare"))
spec("ref-deactivated", data=True, deactivate=True,
     body=dict(disk_format="raw", container_format="bare"))
spec("ref-uploading", stage=True, body=dict(disk_format="raw",
                                            container_format="bare"))
spec("ref-shared-to-alt-accepted", data=True, members=[("alt", True)],
     body=dict(disk_format="raw", container_format="bare",
               visibility="shared"))
spec("ref-shared-to-alt-pending", data=True, members=[("alt", False)],
     body=dict(disk_format="raw", container_format="bare",
               visibility="shared"))
spec("ref-private-explicit", data=True, body=dict(
    disk_format="raw", container_format="bare", visibility="private"))
spec("ref-community-demo", data=True, body=dict(
    disk_format="raw", container_format="bare", visibility="community"))
# metadata-API targets (mutated by compatibility tests)
for n in ("ref-meta-target", "ref-meta-put-all", "ref-meta-put-item",
          "ref-meta-delete-item", "ref-meta-quota"):
    spec(n, data=True, body=dict(disk_format="raw", container_format="bare",
                                 meta_key1="value1", meta_key2="value2"))
# image with 126 properties: +2 is fine (128), +3 exceeds the quota
spec("ref-meta-126", body=dict(disk_format="raw", container_format="bare",
                               **{"k%03d" % i: "v%03d" % i
                                  for i in range(126)}))
# delete-API targets (deleted by compatibility tests)
for n in ("none", "v2.1", "v2.35", "compute-2.35", "project-path",
          "legacy-v2", "admin", "deactivated", "queued", "never", "uwsgi"):
    spec("ref-del-" + n, data=(n != "queued"),
         deactivate=(n == "deactivated"),
         body=dict(disk_format="raw", container_format="bare"))
# pagination filler
for i in range(20):
    spec("ref-page-%02d" % i, body=dict(disk_format="raw",
                                        container_format="bare"))

# alt-owned
spec("ref-alt-private", owner="alt", data=True, body=dict(
    disk_format="raw", container_format="bare", visibility="private",
    alt_prop="alt"))
spec("ref-alt-shared-to-demo-accepted", owner="alt", data=True,
     members=[("demo", True)], body=dict(disk_format="raw",
                                         container_format="bare",
                                         visibility="shared"))
spec("ref-alt-shared-to-demo-pending", owner="alt", data=True,
     members=[("demo", False)], body=dict(disk_format="raw",
                                          container_format="bare",
                                          visibility="shared"))
spec("ref-alt-community", owner="alt", data=True, body=dict(
    disk_format="raw", container_format="bare", visibility="community"))

# admin-owned
spec("ref-admin-public", owner="admin", data=True, body=dict(
    disk_format="qcow2", container_format="bare", visibility="public",
    os_distro="cirros", hw_disk_bus="virtio"))
spec("ref-admin-public-protected", owner="admin", data=True, body=dict(
    disk_format="raw", container_format="bare", visibility="public",
    protected=True))
spec("ref-admin-public-snapshot", owner="admin", data=True, body=dict(
    disk_format="raw", container_format="bare", visibility="public",
    image_type="snapshot", instance_uuid=INSTANCE_UUID))
spec("ref-admin-private", owner="admin", data=True, body=dict(
    disk_format="raw", container_format="bare", visibility="private"))
# ---- ... to here.

# other-owned (third project; not in the refcloud)
spec("ref-other-private", owner="other", data=True, body=dict(
    disk_format="raw", container_format="bare", visibility="private",
    other_prop="other"))
spec("ref-other-public", owner="other", data=True, publicize=True, body=dict(
    disk_format="raw", container_format="bare", visibility="private"))


# ---------------------------------------------------------------- actions
def project_ids():
    r = s("admin").get(KS + "/projects", raise_exc=True).json()["projects"]
    return {p["name"]: p["id"] for p in r}


def user_ids():
    r = s("admin").get(KS + "/users", raise_exc=True).json()["users"]
    return {u["name"]: u["id"] for u in r}


def list_all(user, query):
    """All images of a Glance listing, following the `next` links."""
    out = []
    path = "/v2/images?" + query
    while path:
        r = g(user, "GET", path).json()
        out.extend(r["images"])
        path = r.get("next")
    return out


def purge():
    conf = os.path.join(D, "etc/glance/glance-api.conf")
    for sub in ("purge", "purge_images_table"):
        subprocess.run(["glance-manage", "--config-file", conf, "db", sub,
                        "--age_in_days", "0", "--max_rows", "-1"],
                       check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


def remove_store_files(image_id):
    """Remove files Glance left behind for a deleted image (a deactivated
    image's data, an uploading image's staged data)."""
    n = 0
    for sub in ("images", "staging"):
        p = os.path.join(D, "glance", sub, image_id)
        if os.path.exists(p):
            os.remove(p)
            n += 1
    return n


def reset():
    # admin sees every image (hidden and community ones need own listings)
    images = []
    for vis in ("all", "community"):
        for hidden in ("false", "true"):
            images.extend(list_all("admin", "limit=1000&visibility=%s"
                                   "&os_hidden=%s" % (vis, hidden)))
    todo = {}
    for im in images:
        todo[im["id"]] = im

    def delete(im):
        if im.get("protected"):
            patch("admin", im["id"], [{"op": "replace", "path": "/protected",
                                       "value": False}])
        g("admin", "DELETE", "/v2/images/%s" % im["id"], ok=(204, 404))
    with ThreadPoolExecutor(max_workers=4) as ex:
        list(ex.map(delete, todo.values()))
    purge()
    # Glance leaves data behind for some deletions (a deactivated image's
    # file in the store, an 'uploading' image's staged file), and re-creating
    # an image with the same fixed ID then fails with 500 (store Duplicate).
    # Every image is gone now, so remove whatever is left in the stores.
    orphans = 0
    for sub in ("images", "staging"):
        d = os.path.join(D, "glance", sub)
        for fn in os.listdir(d) if os.path.isdir(d) else []:
            os.remove(os.path.join(d, fn))
            orphans += 1
    print("reset: deleted %d images, purged deleted rows, removed %d "
          "orphaned store files" % (len(todo), orphans))


PURGE_LOCK = threading.Lock()


def post_image(user, body):
    """POST /v2/images with a fixed id; if the id is taken by a deleted row
    (409), purge deleted rows once and retry."""
    r = s(user).request(GLANCE + "/v2/images", "POST", json=body,
                        raise_exc=False)
    if r.status_code == 409:
        with PURGE_LOCK:
            purge()
        r = s(user).request(GLANCE + "/v2/images", "POST", json=body,
                            raise_exc=False)
    if r.status_code != 201:
        sys.exit("glance POST /v2/images (id %s) as %s -> %s %s" % (
            body.get("id"), user, r.status_code, r.text))
    return r.json()


def create(sp, pids, fresh):
    image_id = iid(sp["name"])
    r = s(sp["owner"]).get(GLANCE + "/v2/images/%s" % image_id,
                           raise_exc=False)
    if r.status_code == 200:
        return r.json(), False
    # missing (never created, or deleted by a test): make sure no stale
    # store file from an earlier incarnation blocks the upload
    if not fresh and g("admin", "GET", "/v2/images/%s" % image_id,
         ok=(200, 404)).status_code == 200:
        sys.exit("image %s (%s) exists but %s cannot see it" % (
            image_id, sp["name"], sp["owner"]))
    remove_store_files(image_id)
    body = dict(sp.get("body") or {})
    body.setdefault("name", sp["name"])
    if sp.get("noname"):
        body.pop("name")
    body["id"] = image_id
    post_image(sp["owner"], body)
    if sp["data"]:
        g(sp["owner"], "PUT", "/v2/images/%s/file" % image_id,
          data=ACTIVE_DATA,
          headers={"Content-Type": "application/octet-stream"}, ok=(204,))
    if sp.get("stage"):
        g(sp["owner"], "PUT", "/v2/images/%s/stage" % image_id,
          data=ACTIVE_DATA,
          headers={"Content-Type": "application/octet-stream"}, ok=(204,))
    for member, accept in sp.get("members", []):
        g(sp["owner"], "POST", "/v2/images/%s/members" % image_id,
          json={"member": pids[member]}, ok=(200,))
        if accept:
            g(member, "PUT", "/v2/images/%s/members/%s" % (image_id,
                                                          pids[member]),
              json={"status": "accepted"}, ok=(200,))
    if sp.get("deactivate"):
        g("admin", "POST", "/v2/images/%s/actions/deactivate" % image_id,
          ok=(204,))
    if sp.get("publicize"):
        patch("admin", image_id, [{"op": "replace", "path": "/visibility",
                                   "value": "public"}])
    return g(sp["owner"], "GET", "/v2/images/%s" % image_id).json(), True


def seed(out, pids, fresh):
    t0 = time.time()
    created = 0
    for sp in SPECS:
        im, new = create(sp, pids, fresh)
        created += new
        out["images"][sp["name"]] = {
            "id": im["id"], "name": im.get("name"),
            "owner_user": sp["owner"], "owner_project": im["owner"],
            "visibility": im["visibility"], "status": im["status"],
            "protected": im["protected"], "os_hidden": im["os_hidden"],
            "members": [m for m, _ in sp.get("members", [])],
        }
        # keep created_at ordering distinct (Glance sorts by created_at desc)
        if new:
            time.sleep(0.01)
    print("seed: %d images (%d created) in %.1fs" % (
        len(SPECS), created, time.time() - t0))


def bulk(out, n, owner, pids):
    t0 = time.time()
    project = USER_PROJECT.get(owner, owner)
    pid = pids[project]
    have = {im["id"] for im in list_all(owner, "limit=1000&owner=%s" % pid)}
    todo = [(bulk_iid(owner, i), "bulk-%05d" % i) for i in range(n)]
    todo = [t for t in todo if t[0] not in have]

    def one(t):
        post_image(owner, {"id": t[0], "name": t[1], "disk_format": "raw",
                           "container_format": "bare",
                           "visibility": "private"})
    # glance-api has one worker; a few concurrent requests keep it busy
    with ThreadPoolExecutor(max_workers=4) as ex:
        list(ex.map(one, todo))
    out.setdefault("bulk", {})[owner] = {
        "count": n, "owner_project": pid, "name_format": "bulk-%05d",
        "id_name_format": "bulk/%s/bulk-%%05d" % owner}
    print("bulk: %d images bulk-00000..bulk-%05d for %s (%d created) in "
          "%.1fs" % (n, n - 1, owner, len(todo), time.time() - t0))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reset", action="store_true",
                    help="delete all images and purge before seeding")
    ap.add_argument("--bulk", type=int, metavar="N",
                    help="only ensure N queued images bulk-%%05d owned by "
                         "--owner (with --reset: reset, seed, then bulk)")
    ap.add_argument("--owner", default="demo",
                    help="owner (user) of the bulk images (default demo)")
    args = ap.parse_args()
    if args.bulk is not None and args.bulk < 0:
        ap.error("--bulk must be >= 0")
    t0 = time.time()
    path = os.path.join(D, "seed.json")
    try:
        with open(path) as f:
            prev = json.load(f)
    except (OSError, ValueError):
        prev = {}
    if args.reset:
        reset()
    pids = project_ids()
    uids = user_ids()
    out = {"projects": {k: pids[k] for k in ("admin", "demo", "alt", "other",
                                             "service")},
           "users": {k: uids[k] for k in ("admin", "demo", "alt", "other",
                                          "reader", "imagegw")},
           "instance_uuid": INSTANCE_UUID,
           "image_data": ACTIVE_DATA.decode(),
           "images": prev.get("images", {})}
    if not args.reset and prev.get("bulk"):
        out["bulk"] = prev["bulk"]
    if args.bulk is None or args.reset:
        out["images"] = {}
        seed(out, pids, args.reset)
    if args.bulk is not None:
        bulk(out, args.bulk, args.owner, pids)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f, indent=2, sort_keys=True)
    os.replace(tmp, path)
    print("done in %.1fs -> %s" % (time.time() - t0, path))


if __name__ == "__main__":
    main()
