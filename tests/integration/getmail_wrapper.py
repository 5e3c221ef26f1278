"""Runs Debian's /usr/bin/getmail with one client bug worked around (not a server matter).

getmail 6.18 ForkingBase.forkchild() forks the delivery child *before* it installs its
SIGCHLD handler, then waits on a condition that only that handler signals. When the child
finishes first (likely on a loaded machine), the signal is lost and getmail fails after its
timeout with "operation error (waiting child pid N timed out)", exit 127.

The replacement _wait_for_child() below also reaps the child itself (waitpid WNOHANG), so
a lost SIGCHLD costs milliseconds instead of a failed run. Everything else is getmail's
own code. Usage: python3 getmail_wrapper.py GETMAIL_PATH ARGS...
(run with the interpreter of GETMAIL_PATH's shebang, which can import getmailcore).
"""

import os
import runpy
import signal
import sys
import time

from getmailcore import baseclasses
from getmailcore.exceptions import getmailOperationError

CHILD_TIMEOUT_S = 120


def _wait_for_child(self, childpid):
    deadline = time.monotonic() + CHILD_TIMEOUT_S
    status = None
    while status is None:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
        try:
            if self._ForkingBase__child_pid == childpid:  # getmail's handler reaped it
                status = self._ForkingBase__child_status
            else:
                try:
                    pid, reaped = os.waitpid(childpid, os.WNOHANG)
                except ChildProcessError:
                    pid = 0  # the handler is reaping it right now; look again
                if pid == childpid:
                    signal.signal(signal.SIGCHLD, self._ForkingBase__orig_handler)
                    status = reaped
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
        if status is None:
            if time.monotonic() > deadline:
                raise getmailOperationError("waiting child pid %d timed out" % childpid)
            time.sleep(0.005)
    if os.WIFSIGNALED(status):
        raise getmailOperationError("child pid %d killed by signal %d" % (childpid, os.WTERMSIG(status)))
    if not os.WIFEXITED(status):
        raise getmailOperationError("child pid %d failed to exit" % childpid)
    return os.WEXITSTATUS(status)


baseclasses.ForkingBase._wait_for_child = _wait_for_child

if __name__ == "__main__":
    getmail = sys.argv[1]
    sys.argv = [getmail] + sys.argv[2:]
    runpy.run_path(getmail, run_name="__main__")
