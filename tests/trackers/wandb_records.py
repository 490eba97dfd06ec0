"""Read the records of a W&B run file (`run-<id>.wandb`, what offline mode writes) with W&B's
own protobuf message (`wandb.proto.wandb_internal_pb2.Record`).

The file is W&B's 7-byte header (":W&B", a magic number, a version) followed by a LevelDB-style
log: 32 KiB blocks of chunks, each with a 7-byte header (checksum, little-endian length, type:
1 full, 2 first, 3 middle, 4 last); a block's last < 7 bytes are padding. W&B 0.31 has no Python
reader of its own (its Go core writes the file), so the framing is read here and every record is
parsed by W&B's message class.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

BLOCK = 32 * 1024
HEADER = 7
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


def chunks(data: bytes) -> list[bytes]:
    """The payloads of the log's records, reassembled from their chunks."""
    assert data[:4] == b":W&B", "not a W&B run file"
    out: list[bytes] = []
    pending = b""
    pos = HEADER
    while pos + HEADER <= len(data):
        left = BLOCK - pos % BLOCK
        if left < HEADER:
            pos += left  # padding at the end of a block
            continue
        _crc, length, kind = struct.unpack("<IHB", data[pos : pos + HEADER])
        body = data[pos + HEADER : pos + HEADER + length]
        pos += HEADER + length
        if kind == FULL:
            out.append(body)
        elif kind == FIRST:
            pending = body
        elif kind == MIDDLE:
            pending += body
        elif kind == LAST:
            out.append(pending + body)
            pending = b""
        elif kind == 0 and length == 0:
            break  # zero fill: the end of what was written
    return out


def read_records(path: Path) -> list[Any]:
    from wandb.proto import wandb_internal_pb2

    records = []
    for payload in chunks(path.read_bytes()):
        record = wandb_internal_pb2.Record()
        record.ParseFromString(payload)
        records.append(record)
    return records


def run_files(root: Path) -> list[Path]:
    """Every run file under a W&B folder (`<dir>/wandb/offline-run-*/run-*.wandb`)."""
    return sorted(root.glob("wandb/*run-*/run-*.wandb"))
