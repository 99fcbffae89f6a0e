"""Loaded first in the bot process under test: any attempt to reach a non-loopback host fails loudly.

A missed URL override would otherwise reach the real Discord; this turns it into an OSError naming the host.
"""

import ipaddress
import socket

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


def _is_loopback(host: object) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if not isinstance(host, str):
        return False
    name = host.strip("[]").split("%", 1)[0].lower()
    if name in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _refuse(host: object) -> OSError:
    return OSError(f"netguard: refusing to reach non-loopback host {host!r} from a test bot process")


_getaddrinfo = socket.getaddrinfo
_create_connection = socket.create_connection
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


def getaddrinfo(host, *args, **kwargs):
    if not _is_loopback(host):
        raise _refuse(host)
    return _getaddrinfo(host, *args, **kwargs)


def create_connection(address, *args, **kwargs):
    if not _is_loopback(address[0]):
        raise _refuse(address[0])
    return _create_connection(address, *args, **kwargs)


def _check(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
        raise _refuse(address[0])


def connect(self, address):
    _check(self, address)
    return _connect(self, address)


def connect_ex(self, address):
    _check(self, address)
    return _connect_ex(self, address)


socket.getaddrinfo = getaddrinfo
socket.create_connection = create_connection
socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
