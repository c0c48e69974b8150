#!/usr/bin/python3
"""A faultline client for ZooKeeper, in Python with Debian's python3-kazoo.

faultline starts one of these per worker, bound to one node, and speaks
JSON lines with it: each line on stdin is an invoke op of the register
workload ({"f": "read" | "write" | "cas", "key": K, "value": ...}), and
each line this prints on stdout is its completion:

  {"type": "ok", "value": V}          it took effect (V: the value read)
  {"type": "fail", "error": "..."}    it definitely did not
  {"type": "info", "error": "..."}    it may have: faultline cannot tell

A cas whose old value did not match is a definite failure that is a
correct answer, not unavailability: its error starts with "refused: ".
Anything for people goes to stderr, which faultline keeps in the run
directory.

  --reads sync   sync() before each read, so a lagging follower catches
                 up with the leader first (linearizable in practice)
  --reads plain  read from the connected server as it is: a follower cut
                 off from the leader serves stale values (NOT linearizable)
"""

import argparse
import json
import logging
import os
import sys

from kazoo.client import KazooClient
from kazoo.exceptions import (BadVersionError, ConnectionLoss, NodeExistsError,
                              NoNodeError, OperationTimeoutError,
                              SessionExpiredError, ZookeeperError)
from kazoo.handlers.threading import KazooTimeoutError

ROOT = "/faultline"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--reads", choices=["sync", "plain"], required=True)
    p.add_argument("--port", type=int, default=2181)
    p.add_argument("--timeout", type=float, default=1.0, help="seconds per request")
    args = p.parse_args()
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)

    node = os.environ.get("FAULTLINE_NODE", "?")
    address = os.environ["FAULTLINE_ADDRESS"]
    # Bound to one server: no failover to other servers, so a client of a
    # cut-off follower keeps reading from it, as a client pinned to its
    # nearest server does.
    zk = KazooClient(hosts="%s:%d" % (address, args.port), timeout=args.timeout * 4,
                     connection_retry={"max_tries": -1, "delay": 0.05, "max_delay": 0.2},
                     command_retry=None)
    try:
        zk.start(timeout=10)
    except KazooTimeoutError:
        print("zookeeper: could not connect to %s (%s) within 10s" % (node, address), file=sys.stderr)
        sys.exit(3)
    zk.ensure_path(ROOT)

    for line in sys.stdin:
        op = json.loads(line)
        out = invoke(zk, op, args)
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()
    zk.stop()


def path(key):
    return ROOT + "/" + (key or "_")


def wait(result, args):
    """The request's answer, or KazooTimeoutError past --timeout."""
    return result.get(timeout=args.timeout)


def decode(data):
    return int(data.decode()) if data else None


def invoke(zk, op, args):
    f, key, value = op.get("f"), op.get("key"), op.get("value")
    p = path(key)
    reading = f == "read"
    try:
        if f == "read":
            if args.reads == "sync":
                wait(zk.sync_async(p), args)
            try:
                data, _ = wait(zk.get_async(p), args)
            except NoNodeError:
                return {"type": "ok", "value": None}
            return {"type": "ok", "value": decode(data)}
        if f == "write":
            b = str(int(value)).encode()
            try:
                wait(zk.set_async(p, b), args)
            except NoNodeError:
                try:
                    wait(zk.create_async(p, b), args)
                except NodeExistsError:
                    wait(zk.set_async(p, b), args)
            return {"type": "ok", "value": value}
        if f == "cas":
            old, new = value
            if old is None:
                try:
                    wait(zk.create_async(p, str(int(new)).encode()), args)
                except NodeExistsError:
                    return {"type": "fail", "error": "refused: %s exists" % p}
                return {"type": "ok", "value": value}
            try:
                data, stat = wait(zk.get_async(p), args)
            except NoNodeError:
                return {"type": "fail", "error": "refused: %s does not exist" % p}
            if decode(data) != old:
                return {"type": "fail", "error": "refused: %s holds %s, not %s" % (p, decode(data), old)}
            try:
                wait(zk.set_async(p, str(int(new)).encode(), version=stat.version), args)
            except BadVersionError:
                return {"type": "fail", "error": "refused: %s changed since it was read" % p}
            return {"type": "ok", "value": value}
        return {"type": "fail", "error": "unknown f %r" % f}
    except (ConnectionLoss, OperationTimeoutError, SessionExpiredError, KazooTimeoutError) as e:
        # A read has no effect, so a failed read definitely did not happen;
        # a write may have reached the leader before the connection broke.
        return {"type": "fail" if reading else "info", "error": "%s: %s" % (type(e).__name__, e)}
    except ZookeeperError as e:
        return {"type": "fail" if reading else "info", "error": "%s: %s" % (type(e).__name__, e)}


if __name__ == "__main__":
    main()
