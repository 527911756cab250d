"""The web tier: counts visits in Redis and queues jobs for the worker."""
import json
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from resp import Redis


class Handler(BaseHTTPRequestHandler):
    def reply(self, code, body):
        data = (json.dumps(body) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        try:
            r = Redis()
            if url.path == "/healthz":
                return self.reply(200, {"cache": r.call("PING")})
            if url.path == "/jobs":
                name = parse_qs(url.query).get("name", ["job"])[0]
                return self.reply(202, {"queued": name, "waiting": r.call("LPUSH", "jobs", name)})
            return self.reply(200, {"hits": r.call("INCR", "hits"), "served_by": socket.gethostname()})
        except OSError as e:
            return self.reply(503, {"error": str(e)})

    def log_message(self, fmt, *args):
        print("web:", fmt % args, flush=True)


if __name__ == "__main__":
    print("web: listening on :8000", flush=True)
    ThreadingHTTPServer(("", 8000), Handler).serve_forever()
