"""CPU seconds (user + system) of each thread of a running process, sampled from
/proc/PID/task/*/stat every 0.2 s until the process exits; writes the last values seen, one
"tid seconds" a line, busiest first. bench/distributed.sh runs it on the master: its busiest
thread (the dispatcher, which also commits to SQLite) bounds the pages/s one master can carry.
The last 0.2 s of the process are not seen.

    python3 bench/thread_cpu.py PID OUT
"""

import os
import sys
import time


def state(pid):
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def main():
    pid, out = int(sys.argv[1]), sys.argv[2]
    hz = os.sysconf("SC_CLK_TCK")
    last = {}
    while True:
        try:
            if state(pid) in ("Z", "X"):
                break
            for tid in os.listdir(f"/proc/{pid}/task"):
                try:
                    with open(f"/proc/{pid}/task/{tid}/stat", encoding="ascii") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue  # a thread that just ended keeps its last value
                # Fields 14 and 15 of stat(5), utime and stime: 12 and 13 after the name.
                last[tid] = (int(fields[11]) + int(fields[12])) / hz
        except OSError:
            break
        time.sleep(0.2)
    with open(out, "w", encoding="ascii") as f:
        for tid, seconds in sorted(last.items(), key=lambda kv: -kv[1]):
            f.write(f"{tid} {seconds:.2f}\n")


if __name__ == "__main__":
    main()
