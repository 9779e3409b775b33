#!/usr/bin/python3
"""Independent-client check of the Knockgate RouterOS simulator.

Uses Debian's python3-librouteros (a RouterOS API client written without any knowledge of the
simulator) to log in over plain API and API-SSL, add/print/update/remove address-list entries with
timeouts and comments, trigger the duplicate and no-such-item traps, print an empty list, and log
in with the pre-6.43 challenge. Every reply is checked; the first mismatch exits with status 1.
"""
import argparse
import hashlib
import re
import socket
import ssl
import sys

try:
    import librouteros
    from librouteros.exceptions import TrapError
    from librouteros.login import plain, token
    from librouteros.query import Key
except ImportError as error:  # CI installs the package; say so plainly when it is missing
    print(f"FAIL: python3-librouteros is not importable ({error}); apt-get install python3-librouteros")
    sys.exit(2)

CHECKS = 0


def check(condition, message):
    global CHECKS
    CHECKS += 1
    if not condition:
        print(f"FAIL: {message}")
        sys.exit(1)


def seconds(duration):
    """RouterOS duration (1w2d3h4m5s) to seconds."""
    total = 0
    for number, unit in re.findall(r"(\d+)(ms|w|d|h|m|s)", str(duration)):
        total += int(number) * {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0}[unit]
    return total


def expect_trap(fn, message, what):
    try:
        fn()
    except TrapError as trap:
        check(trap.message == message, f"{what}: trap message {trap.message!r}, expected {message!r}")
        return
    check(False, f"{what}: expected a trap {message!r}, the command succeeded")


def scenario(api, label):
    name = f"interop-{label}"
    path = api.path("ip", "firewall", "address-list")
    by_list = lambda: tuple(path.select(Key(".id"), Key("address"), Key("timeout"), Key("comment"), Key("dynamic"),
                                        Key("disabled"), Key("list")).where(Key("list") == name))

    # An empty print: 7.18+ starts the reply with !empty, then !done.
    check(by_list() == (), f"{label}: list {name} should start empty")
    check(tuple(api.rawCmd("/ip/firewall/address-list/print", f"?list={name}")) == (),
          f"{label}: raw empty print should give no rows")

    first = path.add(list=name, address="192.0.2.10", timeout="1h", comment="knockgate:interop-1")
    check(re.fullmatch(r"\*[0-9A-F]+", str(first)) is not None, f"{label}: add returned {first!r}, not an id like *1A")
    second = path.add(list=name, address="198.51.100.7/24", timeout="00:05:00", comment="knockgate:interop-2")
    check(second != first, f"{label}: two adds returned the same id")

    rows = {row["address"]: row for row in by_list()}
    check(set(rows) == {"192.0.2.10", "198.51.100.0/24"}, f"{label}: addresses {sorted(rows)} (network not normalised?)")
    one = rows["192.0.2.10"]
    check(one[".id"] == first, f"{label}: .id {one['.id']!r} != {first!r}")
    check(3590 <= seconds(one["timeout"]) <= 3600, f"{label}: timeout {one['timeout']!r} not about 1h")
    check(one["comment"] == "knockgate:interop-1", f"{label}: comment {one['comment']!r}")
    check(one["dynamic"] is True and one["disabled"] is False, f"{label}: flags dynamic={one['dynamic']!r} disabled={one['disabled']!r}")
    check(one["list"] == name, f"{label}: list {one['list']!r}")
    net = rows["198.51.100.0/24"]
    check(290 <= seconds(net["timeout"]) <= 300, f"{label}: timeout {net['timeout']!r} not about 5m")

    expect_trap(lambda: path.add(list=name, address="192.0.2.10"), "failure: already have such entry", f"{label}: duplicate")
    expect_trap(lambda: path.add(list=name, address="198.51.100.99/24"), "failure: already have such entry",
                f"{label}: duplicate of a normalised network")

    path.update(**{".id": first, "comment": "knockgate:interop-1b"})
    check(by_list()[0]["comment"] == "knockgate:interop-1b", f"{label}: update did not change the comment")

    count = tuple(api.rawCmd("/ip/firewall/address-list/print", "=count-only=", f"?list={name}"))
    check(count == ({"ret": 2},), f"{label}: count-only gave {count!r}")

    path.remove(first, second)
    check(by_list() == (), f"{label}: entries still there after remove")
    expect_trap(lambda: path.remove(first), "no such item (4)", f"{label}: remove of a removed entry")

    identity = tuple(api.path("system", "identity"))
    check(identity == ({"name": "MikroTik"},), f"{label}: identity {identity!r}")


def tls_wrapper(cafile, fingerprint, host):
    context = ssl.create_default_context(cafile=cafile)

    def wrap(sock):
        wrapped = context.wrap_socket(sock, server_hostname=host)
        der = wrapped.getpeercert(binary_form=True)
        actual = hashlib.sha256(der).hexdigest().upper()
        check(actual == fingerprint.replace(":", "").upper(), f"tls: certificate fingerprint {actual} is not the simulator's")
        return wrapped

    return wrap


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tls-port", type=int, required=True)
    parser.add_argument("--cafile", required=True)
    parser.add_argument("--fingerprint", required=True)
    parser.add_argument("--legacy-port", type=int, required=True, help="a simulator in 6.42 mode (challenge login)")
    args = parser.parse_args()

    api = librouteros.connect(args.host, "admin", "", port=args.port, login_method=plain, timeout=10)
    scenario(api, "plain")
    api.close()

    api = librouteros.connect(args.host, "admin", "", port=args.tls_port, login_method=plain, timeout=10,
                              ssl_wrapper=tls_wrapper(args.cafile, args.fingerprint, args.host))
    scenario(api, "tls")
    api.close()

    try:
        librouteros.connect(args.host, "admin", "not-the-password", port=args.port, login_method=plain, timeout=10)
        check(False, "login with a wrong password succeeded")
    except TrapError as trap:
        check(trap.message == "invalid user name or password (6)", f"wrong password: trap {trap.message!r}")

    legacy = librouteros.connect(args.host, "old", "pa55", port=args.legacy_port, login_method=token, timeout=10)
    rows = tuple(legacy.path("system", "resource"))
    check(rows[0]["version"].startswith("6.42"), f"legacy: version {rows[0].get('version')!r}")
    legacy.close()

    print(f"OK {CHECKS} checks")


if __name__ == "__main__":
    try:
        main()
    except (socket.error, ssl.SSLError, librouteros.exceptions.LibRouterosError) as error:
        print(f"FAIL: {type(error).__name__}: {error}")
        sys.exit(1)
