"""GaLore (Zhao et al. 2024): AdamW on gradients projected to a low-rank subspace.

Written here rather than taken from the `galore-torch` package: its only release (1.0) imports
bitsandbytes unconditionally (a 43 MB dependency that adds seconds to import and warns on CPU
machines) for its 8-bit variant, which peftbench does not use.

For every projected 2-D parameter with gradient G (m x n) the optimizer keeps an orthonormal
basis P of the top-`rank` singular vectors of G on its shorter side, refreshed every
`update_proj_gap` steps: R = P.T G (m < n) or R = G P (otherwise). Adam's moments live in the
projected space (that is the memory saving), and the Adam direction N is projected back,
scaled by `scale`: W <- W - lr * scale * (P N  or  N P.T). Moments are kept when the basis is
refreshed, as in the paper. Parameters not in a projected group (norms, embeddings, 1-D) get
plain AdamW. Weight decay is decoupled (AdamW).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch

# A torch optimizer parameter group: its tensors under "params", and settings (lr, rank, ...).
ParamGroup = dict[str, object]


def _basis(grad: torch.Tensor, rank: int) -> torch.Tensor:
    """Top-`rank` singular vectors of `grad` on its shorter side (columns of P)."""
    u, _, vh = torch.linalg.svd(grad.float(), full_matrices=False)
    if grad.shape[0] < grad.shape[1]:
        return u[:, :rank].to(grad.dtype)  # m x r, left side
    return vh[:rank].T.to(grad.dtype)  # n x r, right side


class GaLoreAdamW(torch.optim.Optimizer):
    """AdamW with GaLore projection for groups that set `rank` (see the module docstring)."""

    def __init__(
        self,
        params: Iterable[torch.nn.Parameter] | Iterable[ParamGroup],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            rank=None,
            update_proj_gap=200,
            scale=1.0,
        )
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                state = self.state[p]
                step = state.get("step", 0)
                projected = group["rank"] is not None and p.ndim == 2
                if projected:
                    rank = min(int(group["rank"]), *grad.shape)
                    if "basis" not in state or step % int(group["update_proj_gap"]) == 0:
                        state["basis"] = _basis(grad, rank)
                    basis = state["basis"]
                    left = grad.shape[0] < grad.shape[1]
                    grad = basis.T @ grad if left else grad @ basis
                if "exp_avg" not in state:
                    state["exp_avg"] = torch.zeros_like(grad)
                    state["exp_avg_sq"] = torch.zeros_like(grad)
                state["step"] = step + 1
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m.mul_(beta1).add_(grad, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                bias1 = 1 - beta1 ** state["step"]
                bias2 = 1 - beta2 ** state["step"]
                direction = (m / bias1) / ((v / bias2).sqrt() + group["eps"])
                if projected:
                    direction = basis @ direction if left else direction @ basis.T
                    direction = direction * float(group["scale"])
                if group["weight_decay"]:
                    p.mul_(1 - group["lr"] * group["weight_decay"])
                p.add_(direction, alpha=-group["lr"])
        return loss


def galore_param_groups(
    model: torch.nn.Module,
    target_modules: list[str],
    rank: int,
    update_proj_gap: int,
    scale: float,
) -> list[ParamGroup]:
    """Projected group: 2-D weights of modules whose name ends with a target; the rest plain."""
    projected_ids: set[int] = set()
    for name, module in model.named_modules():
        if any(name == t or name.endswith("." + t) for t in target_modules):
            weight = getattr(module, "weight", None)
            if isinstance(weight, torch.nn.Parameter) and weight.ndim == 2:
                projected_ids.add(id(weight))
    projected: list[torch.nn.Parameter] = []
    plain: list[torch.nn.Parameter] = []
    for p in model.parameters():
        if p.requires_grad:
            (projected if id(p) in projected_ids else plain).append(p)
    groups: list[ParamGroup] = [{"params": plain}] if plain else []
    if projected:
        groups.append(
            {"params": projected, "rank": rank, "update_proj_gap": update_proj_gap, "scale": scale}
        )
    return groups


__all__ = ["GaLoreAdamW", "galore_param_groups"]
