"""The worker tier: takes jobs from a Redis list, one at a time."""
import signal
import socket
import sys

from resp import Redis

# Stop cleanly on docker stop (SIGTERM) instead of being killed after 10 s.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

if __name__ == "__main__":
    me = socket.gethostname()
    r = Redis()
    print(f"worker {me}: waiting for jobs", flush=True)
    while True:
        # Wait at most 2 s for a job: shorter than the client's 5 s socket timeout.
        item = r.call("BRPOP", "jobs", 2)
        if item is None:
            continue
        _, name = item
        done = r.call("INCR", "done")
        print(f"worker {me}: finished {name} (total done: {done})", flush=True)
