"""The community board: results folders packed into checkable bundles (`peftbench pack`), and
bundles from many people merged into one static site (`peftbench merge`). docs/community.md."""
