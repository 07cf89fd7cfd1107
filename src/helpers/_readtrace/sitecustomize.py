"""Record the files a chapter's kernel reads (see ``helpers.notebooks``).

Loaded by Python at start-up when this folder is on ``PYTHONPATH``; active only when
``BCLM_READS_FILE`` names the file to append to. A :pep:`578` audit hook writes the absolute
path of every file opened for reading, once each. Writes are not inputs and are skipped.
"""

import os
import sys

_target = os.environ.get("BCLM_READS_FILE")
try:  # a process started after its chapter finished (the folder is gone) traces nothing
    _out = open(_target, "a", encoding="utf-8", buffering=1) if _target else None  # noqa: SIM115
except OSError:
    _out = None
if _out is not None:
    _seen: set = set()
    _WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT

    def _hook(event, args):
        if event != "open" or not args:
            return
        path, mode = args[0], args[1] if len(args) > 1 else None
        flags = args[2] if len(args) > 2 else 0
        if not isinstance(path, (str, bytes)):
            return  # a file descriptor
        if isinstance(mode, str) and any(ch in mode for ch in "wax+"):
            return
        if mode is None and isinstance(flags, int) and flags & _WRITE_FLAGS:
            return
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        path = os.path.abspath(path)
        if path not in _seen:
            _seen.add(path)
            _out.write(path + "\n")

    sys.addaudithook(_hook)
