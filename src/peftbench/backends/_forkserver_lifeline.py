"""Imported first in the fork server (multiprocessing preload): arms its parent-death signal, so
the fork server dies with the main process that started it. Never imported anywhere else."""

import os

from peftbench.backends.lifeline import MAIN_PID, die_with_parent

if os.environ.get(MAIN_PID):
    die_with_parent(int(os.environ[MAIN_PID]))
