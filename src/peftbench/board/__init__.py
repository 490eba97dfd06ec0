"""The board: one frozen, typed leaderboard of a set of run records (model.py), built once by
build.py and serialised as leaderboard.json (serialise.py, JSON Schema: schema.py)."""
