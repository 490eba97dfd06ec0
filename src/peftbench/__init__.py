"""peftbench: a reproducible benchmark of parameter-efficient fine-tuning methods for causal LMs.

Importing this package must stay cheap: nothing here (or in the registries) imports torch at
module level, so `peftbench --help` and `peftbench ls` answer in well under a second.
"""

__version__ = "0.1.0"
