"""Results in other tools' formats, in and out.

`hf_peft` reads HF peft's method-comparison result files (`run_info` / `train_info` /
`meta_info`, one JSON file per run) into a peftbench results folder of imported records, and
writes peftbench records in that schema. Imported records are ordinary typed records
(results/record.py) that say where they came from (`RunRecord.source`) and which figures their
source never measured (`Efficiency.not_measured`), so every reader -- `show`, `report`,
`compare`, the trackers -- goes through the same path and shows those figures as missing.
"""
