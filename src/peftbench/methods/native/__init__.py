"""peftbench's own peft tuners (bottleneck adapters, BitFit, SVFT) and the GaLore optimizer.

The tuner modules import torch and peft; this package file does not, so the torch-free method
modules can read the placement table and BitFit's bias inits from here.
"""

# Roles (see peftbench.models.targets) each bottleneck-adapter placement wraps by default.
PLACEMENT_ROLES: dict[str, tuple[str, ...]] = {
    "houlsby": ("attn_out", "ffn_out"),
    "pfeiffer": ("ffn_out",),
    "parallel": ("ffn_block",),
}

# How BitFit initialises a bias where a targeted module has none (BitFitConfig.bias_init).
BIAS_INITS = ("zeros", "uniform")
