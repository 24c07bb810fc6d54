#!/usr/bin/env python3
"""What stalled uploads hold in a running gateway: N connections each send the headers of a large CSV upload and a few
rows, then stall (sending a row now and then, above the server's minimum body rate); the gateway's resident memory is read
before and while they stall, and the uploads it refused at once are counted (503: more than
OrleansMl__Limits__ConcurrentUploads at a time; 429: more than OrleansMl__Limits__ConcurrentUploadsPerCaller from one
caller, and every connection here comes from one address).

    python3 bench/slow_uploads.py --port 8080 --pid GATEWAY_PID [--connections 500]

With --idle, each connection instead sends one request, reads its answer and stays open (keep-alive), as an idle client
or a load balancer's pool does; connections beyond OrleansMl__Limits__Connections are closed unanswered.
"""
import argparse
import socket
import time


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        return int(status.read().split("VmRSS:")[1].split()[0]) // 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True, help="the gateway's process id")
    parser.add_argument("--connections", type=int, default=500)
    parser.add_argument("--idle", action="store_true", help="answered keep-alive connections instead of stalled uploads")
    args = parser.parse_args()
    if args.idle:
        idle(args)
        return

    before = rss_mb(args.pid)
    sockets = []
    for i in range(args.connections):
        connection = socket.create_connection(("127.0.0.1", args.port))
        connection.sendall(
            (f"POST /api/datasets/stalled-{i} HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/csv\r\n"
             "Content-Length: 100000000\r\n\r\na,b\n1,2\n").encode())
        sockets.append(connection)
    time.sleep(3)
    for connection in sockets:
        try:
            connection.sendall(b"3,4\n")
        except OSError:
            pass  # the gateway refused this one and closed it; its refusal is counted below
    time.sleep(2)
    during = rss_mb(args.pid)
    refused = 0
    for connection in sockets:
        connection.setblocking(False)
        try:
            refused += connection.recv(64).startswith((b"HTTP/1.1 503", b"HTTP/1.1 429"))
        except BlockingIOError:
            pass  # no answer yet: the upload is still being received
        except OSError:
            refused += 1  # answered and closed before its refusal could be read here
    for connection in sockets:
        connection.close()
    held = args.connections - refused
    print(f"{args.connections} stalled uploads: {held} held, {refused} refused (503 or 429); gateway RSS {before} -> {during} MB, "
          f"{(during - before) * 1024 / args.connections:.0f} KB a connection")


def idle(args):
    before = rss_mb(args.pid)
    sockets, answered = [], 0
    for _ in range(args.connections):
        connection = socket.create_connection(("127.0.0.1", args.port))
        connection.settimeout(10)
        try:
            connection.sendall(b"GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n")
            answered += connection.recv(64).startswith(b"HTTP/1.1 200")
        except OSError:
            pass  # closed unanswered: beyond the gateway's connection limit
        sockets.append(connection)
    time.sleep(2)
    during = rss_mb(args.pid)
    for connection in sockets:
        connection.close()
    print(f"{args.connections} idle connections: {answered} answered, {args.connections - answered} closed unanswered; "
          f"gateway RSS {before} -> {during} MB, {(during - before) * 1024 / max(answered, 1):.0f} KB an answered connection")


if __name__ == "__main__":
    main()
