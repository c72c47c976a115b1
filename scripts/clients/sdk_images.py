#!/usr/bin/python3
"""Drive imagegw with an unmodified openstacksdk (Debian python3-openstacksdk).

Every compute image call of the SDK is made against imagegw (the compute
endpoint is overridden, Keystone and Glance are the real ones from the
clouds.yaml entry) and the outcome is printed as one JSON document on
stdout; e2e/legacyclients_test.go runs this script and asserts on it.

Environment:
  IMAGEGW_URL            imagegw base URL, e.g. http://127.0.0.1:8774 (required)
  OS_CLIENT_CONFIG_FILE  clouds.yaml of the test cloud (required)
  IMAGEGW_CLIENT_CLOUD   clouds.yaml entry to use (default: demo)
  IMAGEGW_READ_IMAGE     id of a seeded image to read (never written)
  IMAGEGW_NAME_FILTER    an image name to filter the list by

The script creates its own images through Glance (as the same user) for
the metadata and delete calls and removes them at the end.

Run with /usr/bin/python3 (the Debian OpenStack libraries).
"""
import json
import os
import sys
import traceback
import uuid
import warnings

warnings.simplefilter("ignore")  # images() warns that the API is deprecated

import openstack  # noqa: E402
from openstack import connection  # noqa: E402
from openstack import exceptions  # noqa: E402
from openstack import version as sdk_version  # noqa: E402

GW = os.environ["IMAGEGW_URL"].rstrip("/")
CLOUD = os.environ.get("IMAGEGW_CLIENT_CLOUD", "demo")
READ_ID = os.environ.get("IMAGEGW_READ_IMAGE", "")
NAME = os.environ.get("IMAGEGW_NAME_FILTER", "")
MISSING = "00000000-0000-0000-0000-000000000000"

# Every HTTP exchange the SDK makes, recorded by a requests response hook.
_log = []


def _hook(r, *args, **kwargs):
    req = r.request
    _log.append({
        "method": req.method,
        "url": req.url,
        "status": r.status_code,
        # what the SDK sent (keystoneauth sets the header only when pinned)
        "version_sent": req.headers.get("OpenStack-API-Version")
        or req.headers.get("X-OpenStack-Nova-API-Version"),
        "version_answered": r.headers.get("OpenStack-API-Version"),
    })


def compute_requests(since):
    """The requests to imagegw recorded since index `since`."""
    out = []
    for e in _log[since:]:
        if e["url"].startswith(GW):
            e = dict(e)
            e["url"] = e["url"][len(GW):]
            out.append(e)
    return out


def call(fn):
    """Run one SDK call: its value or its error, and the requests it sent."""
    start = len(_log)
    res = {}
    try:
        res["value"] = fn()
    except exceptions.SDKException as e:
        res["error"] = {
            "type": type(e).__name__,
            "status": getattr(e, "status_code", None),
            "message": str(e),
        }
    res["requests"] = compute_requests(start)
    return res


def glance_ids(conn, query):
    """Image ids straight from Glance (as the same user), all pages."""
    ids, params = [], dict(query, limit=1000)
    while True:
        r = conn.image.get("/images", params=params)
        if r.status_code != 200:
            raise RuntimeError("glance list: %s %s" % (r.status_code, r.text))
        page = r.json()["images"]
        ids += [im["id"] for im in page]
        if "next" not in r.json() or not page:
            return ids
        params["marker"] = page[-1]["id"]


def stable(conn, fn, glance_query):
    """call(fn) with Glance's list before and after it; retried (3 times at
    most) while another process changes the images in between."""
    for _ in range(3):
        before = glance_ids(conn, glance_query)
        res = call(fn)
        after = glance_ids(conn, glance_query)
        if before == after:
            break
    res["glance"], res["stable"] = after, before == after
    return res


def image_view(im):
    return {
        "id": im.id,
        "name": im.name,
        "status": im.status,
        "progress": im.progress,
        "min_ram": im.min_ram,
        "min_disk": im.min_disk,
        "size": im.size,
        "metadata": im.metadata,
        "created_at": im.created_at,
        "updated_at": im.updated_at,
        "links": im.links,
    }


def list_view(images):
    return [{"id": im.id, "name": im.name, "status": im.status, "links": im.links} for im in images]


def connect(base_session=None, **kw):
    """A connection whose compute endpoint is imagegw. With base_session the
    token is shared (as one process would), else the cloud entry is used."""
    kw.setdefault("compute_endpoint_override", GW + "/v2.1")
    if base_session is None:
        conn = openstack.connect(cloud=CLOUD, **kw)
        conn.session.session.hooks["response"].append(_hook)
        return conn
    return connection.Connection(session=base_session, region_name="RegionOne", **kw)


def glance_create(conn, **props):
    body = {"name": "sdk-client-" + uuid.uuid4().hex[:8], "disk_format": "raw", "container_format": "bare"}
    body.update(props)
    r = conn.image.post("/images", json=body)
    if r.status_code != 201:
        raise RuntimeError("glance create: %s %s" % (r.status_code, r.text))
    return r.json()["id"]


def glance_remove(conn, image_id):
    conn.image.patch(
        "/images/" + image_id,
        json=[{"op": "replace", "path": "/protected", "value": False}],
        headers={"Content-Type": "application/openstack-images-v2.1-json-patch"},
    )
    conn.image.delete("/images/" + image_id)


def main():
    out = {"sdk_version": sdk_version.__version__, "cloud": CLOUD}
    conn = connect()  # compute_api_version not set: the SDK's own choice
    out["project_id"] = conn.current_project_id
    calls = out["calls"] = {}

    # --- reads, with the version the SDK chooses itself -------------------
    # Lists are compared with Glance's own list for the same user and filter
    # (taken just before and after the SDK call, see stable()).
    calls["list_detail"] = stable(conn, lambda: list_view(conn.compute.images()), {})
    calls["list_index"] = stable(conn, lambda: list_view(conn.compute.images(details=False)), {})
    calls["list_name"] = stable(conn, lambda: list_view(conn.compute.images(name=NAME)), {"name": NAME})
    calls["list_status_active"] = stable(
        conn, lambda: list_view(conn.compute.images(status="ACTIVE")), {"status": "active"})
    calls["list_changes_since_past"] = stable(
        conn, lambda: list_view(conn.compute.images(changes_since="2000-01-01T00:00:00Z")),
        {"updated_at": "gte:2000-01-01T00:00:00Z"})
    calls["list_changes_since_future"] = stable(
        conn, lambda: list_view(conn.compute.images(changes_since="2999-01-01T00:00:00Z")),
        {"updated_at": "gte:2999-01-01T00:00:00Z"})
    calls["list_paged"] = stable(conn, lambda: list_view(conn.compute.images(limit=7)), {})
    calls["list_index_paged"] = stable(conn, lambda: list_view(conn.compute.images(details=False, limit=7)), {})
    calls["get"] = call(lambda: image_view(conn.compute.get_image(READ_ID)))
    read_name = (calls["get"].get("value") or {}).get("name") or "?"
    calls["find_by_name"] = call(lambda: image_view(conn.compute.find_image(read_name, ignore_missing=False)))
    calls["find_by_id"] = call(lambda: image_view(conn.compute.find_image(READ_ID, ignore_missing=False)))
    calls["find_duplicate_name"] = call(lambda: image_view(conn.compute.find_image(NAME, ignore_missing=False)))
    calls["get_missing"] = call(lambda: image_view(conn.compute.get_image(MISSING)))

    own = []
    try:
        # --- metadata on an image of our own ------------------------------
        meta_id = glance_create(conn, foo="bar")
        own.append(meta_id)
        out["meta_image"] = meta_id
        calls["metadata_get"] = call(lambda: conn.compute.get_image_metadata(meta_id).metadata)
        calls["metadata_set"] = call(lambda: conn.compute.set_image_metadata(meta_id, a="1", b="2").metadata)
        calls["metadata_get_after_set"] = call(lambda: conn.compute.get_image_metadata(meta_id).metadata)
        calls["metadata_delete_key"] = call(lambda: conn.compute.delete_image_metadata(meta_id, ["a"]))
        calls["metadata_get_after_delete_key"] = call(lambda: conn.compute.get_image_metadata(meta_id).metadata)
        calls["metadata_delete_missing_key"] = call(lambda: conn.compute.delete_image_metadata(meta_id, ["nope"]))
        calls["metadata_delete_all"] = call(lambda: conn.compute.delete_image_metadata(meta_id))
        calls["metadata_get_after_delete_all"] = call(lambda: conn.compute.get_image_metadata(meta_id).metadata)
        calls["metadata_set_invalid_key"] = call(
            lambda: conn.compute.set_image_metadata(meta_id, **{"a/b": "1"}).metadata)
        calls["metadata_get_missing_image"] = call(lambda: conn.compute.get_image_metadata(MISSING).metadata)

        # --- delete -------------------------------------------------------
        del_id = glance_create(conn)
        own.append(del_id)
        prot_id = glance_create(conn, protected=True)
        own.append(prot_id)
        out["delete_image"], out["protected_image"] = del_id, prot_id
        calls["get_before_delete"] = call(lambda: image_view(conn.compute.get_image(del_id)))
        calls["delete"] = call(lambda: conn.compute.delete_image(del_id))
        calls["get_after_delete"] = call(lambda: image_view(conn.compute.get_image(del_id)))
        calls["delete_again_ignore_missing"] = call(lambda: conn.compute.delete_image(del_id))
        calls["delete_again_strict"] = call(lambda: conn.compute.delete_image(del_id, ignore_missing=False))
        calls["delete_protected"] = call(lambda: conn.compute.delete_image(prot_id, ignore_missing=False))
        calls["get_protected_after_delete"] = call(lambda: image_view(conn.compute.get_image(prot_id)))

        # --- pinned microversions (same token, compute_api_version set) ---
        versions = out["versions"] = {}
        for v in ("2.1", "2.35", "2.36", "2.38", "2.39"):
            c = connect(conn.session, compute_api_version=v)
            versions[v] = {
                "list": call(lambda: list_view(c.compute.images(name=NAME))),
                "get": call(lambda: image_view(c.compute.get_image(READ_ID))),
                "metadata_set": call(lambda: c.compute.set_image_metadata(meta_id, v=v).metadata),
                "metadata_get": call(lambda: c.compute.get_image_metadata(meta_id).metadata),
            }

        # --- other forms of the compute endpoint (as catalogs have them) ---
        pid = conn.current_project_id
        endpoints = out["endpoints"] = {}
        for label, ep, v in (
            ("v2.1/project", GW + "/v2.1/" + pid, None),
            ("v2/project", GW + "/v2/" + pid, None),
            ("v2/project pinned 2.36", GW + "/v2/" + pid, "2.36"),
            ("root", GW + "/", None),
            ("root pinned 2.35", GW + "/", "2.35"),
        ):
            kw = {"compute_endpoint_override": ep}
            if v:
                kw["compute_api_version"] = v
            c = connect(conn.session, **kw)
            endpoints[label] = {
                "endpoint": ep,
                "list": call(lambda: list_view(c.compute.images(name=NAME))),
                "list_paged": stable(conn, lambda: list_view(c.compute.images(details=False, limit=20)), {}),
                "get": call(lambda: image_view(c.compute.get_image(READ_ID))),
            }
    finally:
        for image_id in own:
            try:
                glance_remove(conn, image_id)
            except Exception:  # noqa: BLE001 - best effort cleanup
                pass
    return out


if __name__ == "__main__":
    try:
        result = main()
    except Exception as e:  # noqa: BLE001
        result = {"fatal": "%s: %s" % (type(e).__name__, e), "traceback": traceback.format_exc()}
    json.dump(result, sys.stdout, indent=1, default=str)
    sys.stdout.write("\n")
    sys.exit(1 if "fatal" in result else 0)
