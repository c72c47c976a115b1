#!/usr/bin/python3
"""Idempotently create the imagegw test cloud's projects, users, role
assignments, services and endpoints in the Keystone started by up.sh.

Run with Debian's python (/usr/bin/python3, has keystoneauth1). Every step is
a find-or-create against the raw Keystone v3 API, so it can be re-run.

Environment (all optional, same names and defaults as up.sh):
  IMAGEGW_CLOUD_DIR      state dir (default /tmp/imagegw-cloud); the ids of
                         the projects/users are written to
                         $IMAGEGW_CLOUD_DIR/keystone/ids.json
  IMAGEGW_KEYSTONE_PORT  default 25000
  IMAGEGW_GLANCE_PORT    default 29292
  IMAGEGW_CLOUD_NOVA     1 = also create the nova service user and the
                         compute endpoint; otherwise any compute service is
                         removed from the catalog
  IMAGEGW_NOVA_PORT      default 28774

Keystone answers slowly (~250 ms per request, it recomputes role assignments
for every token validation), so everything is read once up front and the
independent writes of each phase run on a few threads (uwsgi has 3 worker
processes; the sqlite DB is in WAL mode).
"""
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

HOST = "127.0.0.1"
D = os.environ.get("IMAGEGW_CLOUD_DIR") or "/tmp/imagegw-cloud"
KS_PORT = os.environ.get("IMAGEGW_KEYSTONE_PORT") or "25000"
GL_PORT = os.environ.get("IMAGEGW_GLANCE_PORT") or "29292"
NOVA = os.environ.get("IMAGEGW_CLOUD_NOVA", "0") == "1"
NOVA_PORT = os.environ.get("IMAGEGW_NOVA_PORT") or "28774"

KS = "http://%s:%s/v3" % (HOST, KS_PORT)
ENDPOINTS = {
    "identity": KS,
    "image": "http://%s:%s" % (HOST, GL_PORT),   # no version suffix
}
if NOVA:
    ENDPOINTS["compute"] = "http://%s:%s/v2.1" % (HOST, NOVA_PORT)
SERVICES = {  # type -> (name, description)
    "identity": ("keystone", "Keystone Identity Service"),
    "image": ("glance", "Glance Image Service"),
    "compute": ("nova", "Nova Compute Service"),
}
REGION = "RegionOne"
PASSWORD = "secret"

PROJECTS = {  # name -> description ("admin" comes from keystone bootstrap)
    "service": "imagegw test cloud: service users",
    "demo": "imagegw test cloud: demo project",
    "alt": "imagegw test cloud: alt project",
    "other": "imagegw test cloud: third project",
}
# user -> (default project, [(project, role), ...])
USERS = {
    "demo": ("demo", [("demo", "member")]),
    "alt": ("alt", [("alt", "member")]),
    "other": ("other", [("other", "member")]),
    "reader": ("demo", [("demo", "reader")]),
    # no project at all: its unscoped token has an empty catalog
    "noproject": (None, []),
    "glance": ("service", [("service", "admin"), ("service", "service")]),
    # imagegw's own service credentials (validates user tokens)
    "imagegw": ("service", [("service", "admin"), ("service", "service")]),
}
if NOVA:
    USERS["nova"] = ("service", [("service", "admin"), ("service", "service")])
ROLES = ("admin", "member", "reader", "service")

auth = v3.Password(auth_url=KS, username="admin", password=PASSWORD,
                   project_name="admin", user_domain_id="default",
                   project_domain_id="default")
sess = ks_session.Session(auth=auth)
POOL = ThreadPoolExecutor(max_workers=3)


class Conflict(Exception):
    pass


def req(method, path, **kw):
    """Keystone call; retries 5xx (sqlite busy) a few times, raises Conflict
    on 409, exits on any other error."""
    for attempt in range(6):
        r = sess.request(KS + path, method, raise_exc=False, **kw)
        if r.status_code < 400:
            return r.json() if r.text else None
        if r.status_code == 409:
            raise Conflict(r.text)
        if r.status_code >= 500 and attempt < 5:
            time.sleep(0.3 * (attempt + 1))
            continue
        sys.exit("keystone %s %s -> %s %s" % (method, path, r.status_code,
                                              r.text))


def listing(coll, query=""):
    return req("GET", "/%s%s" % (coll, query))[coll]


def parallel(fn, items):
    return list(POOL.map(fn, items))


def create(coll, single, body, refind):
    try:
        return req("POST", "/" + coll, json={single: body})[single]
    except Conflict:
        # created concurrently / by an earlier, interrupted run
        obj = refind()
        if obj is None:
            raise
        return obj


def main():
    sess.get_token()  # authenticate once before going multi-threaded
    roles, projects, users, services, endpoints, assignments = parallel(
        lambda a: listing(*a),
        [("roles", ""), ("projects", "?domain_id=default"),
         ("users", "?domain_id=default"), ("services", ""), ("endpoints", ""),
         ("role_assignments", "")])
    roles = {r["name"]: r for r in roles}
    projects = {p["name"]: p for p in projects}
    users = {u["name"]: u for u in users}
    services_by_type = {}
    for s in services:
        services_by_type.setdefault(s["type"], []).append(s)
    have_grants = {(a["user"]["id"], a["scope"]["project"]["id"],
                    a["role"]["id"])
                   for a in assignments
                   if "user" in a and "project" in a.get("scope", {})}

    # ---- phase 1: roles, projects, services (independent of each other)
    jobs = []
    for name in ROLES:
        if name not in roles:
            jobs.append(("role", name))
    for name in PROJECTS:
        if name not in projects:
            jobs.append(("project", name))
    for stype in ENDPOINTS:
        if stype not in services_by_type:
            jobs.append(("service", stype))

    def phase1(job):
        kind, name = job
        if kind == "role":
            roles[name] = create("roles", "role", {"name": name}, lambda: (
                listing("roles", "?name=" + name) or [None])[0])
        elif kind == "project":
            projects[name] = create(
                "projects", "project",
                {"name": name, "domain_id": "default",
                 "description": PROJECTS[name], "enabled": True},
                lambda: (listing("projects", "?domain_id=default&name=" + name)
                         or [None])[0])
        else:
            sname, desc = SERVICES[name]
            services_by_type[name] = [req("POST", "/services", json={
                "service": {"type": name, "name": sname, "description": desc,
                            "enabled": True}})["service"]]
    parallel(phase1, jobs)
    if "admin" not in projects or "admin" not in users:
        sys.exit("keystone: admin project/user missing (bootstrap failed?)")

    # ---- phase 2: users, endpoints, removal of an unwanted compute service
    jobs = [("user", n) for n in USERS if n not in users]
    for stype, url in ENDPOINTS.items():
        for svc in services_by_type[stype]:
            mine = [e for e in endpoints if e["service_id"] == svc["id"]]
            for iface in ("public", "internal", "admin"):
                on_iface = [e for e in mine if e["interface"] == iface]
                good = [e for e in on_iface if e["url"] == url and
                        e.get("region_id") == REGION]
                # stale endpoints on this interface (e.g. another port)
                for e in on_iface:
                    if e not in good[:1]:
                        jobs.append(("delete", "/endpoints/" + e["id"]))
                if not good:
                    jobs.append(("endpoint", (svc["id"], iface, url)))
    for stype, svcs in services_by_type.items():
        if stype in ENDPOINTS or stype not in SERVICES:
            continue
        # e.g. compute from an earlier IMAGEGW_CLOUD_NOVA=1 run
        for svc in svcs:
            for e in endpoints:
                if e["service_id"] == svc["id"]:
                    jobs.append(("delete", "/endpoints/" + e["id"]))
            jobs.append(("delete-after", "/services/" + svc["id"]))

    def phase2(job):
        kind, arg = job
        if kind == "user":
            body = {"name": arg, "domain_id": "default", "password": PASSWORD,
                    "enabled": True}
            if USERS[arg][0]:
                body["default_project_id"] = projects[USERS[arg][0]]["id"]
            users[arg] = create(
                "users", "user", body,
                lambda: (listing("users", "?domain_id=default&name=" + arg)
                         or [None])[0])
        elif kind == "endpoint":
            sid, iface, url = arg
            req("POST", "/endpoints", json={"endpoint": {
                "service_id": sid, "interface": iface, "url": url,
                "region_id": REGION, "enabled": True}})
        elif kind == "delete":
            req("DELETE", arg)
    parallel(phase2, [j for j in jobs if j[0] != "delete-after"])
    for kind, path in jobs:
        if kind == "delete-after":
            req("DELETE", path)

    # ---- phase 3: role assignments (PUT is idempotent anyway)
    grants = [("admin", "admin", "admin")]
    for uname, (_, assigns) in USERS.items():
        grants.extend((uname, p, r) for p, r in assigns)
    todo = [(users[u]["id"], projects[p]["id"], roles[r]["id"])
            for u, p, r in grants]
    todo = [t for t in todo if t not in have_grants]
    parallel(lambda t: req("PUT", "/projects/%s/users/%s/roles/%s" % (
        t[1], t[0], t[2])), todo)

    ids = {"projects": {n: projects[n]["id"]
                        for n in ["admin"] + list(PROJECTS)},
           "users": {n: users[n]["id"] for n in ["admin"] + list(USERS)},
           "catalog": ENDPOINTS}
    path = os.path.join(D, "keystone", "ids.json")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(ids, f, indent=2, sort_keys=True)
    os.replace(tmp, path)
    print("keystone: projects %s" % " ".join(
        "%s=%s" % kv for kv in sorted(ids["projects"].items())))


if __name__ == "__main__":
    main()
