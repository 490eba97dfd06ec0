"""Stability: what fine-tuning costs the model's general abilities.

Two figures per run, each measured on the same items before (base model) and after fine-tuning:
- general-text drift (`drift.py`): per-token perplexity on a fixed, offline general-text sample
  (`text.py`) and the mean KL divergence of the adapted model's next-token distribution from the
  base model's;
- general-capability retention (`retention.py`): the score on general tasks that are not the task
  being trained, as a difference to the base model with a paired-bootstrap 95 % interval.
`measure.py` runs both for one cell. Nothing here imports torch at module level.
"""
