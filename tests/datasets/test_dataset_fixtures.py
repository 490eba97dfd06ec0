"""Every hub dataset on a fixture in its real schema, with no network: local files -> examples ->
prompt + training features (tiny char tokenizer) -> fake model output -> the dataset's parser ->
its metrics, checked against scikit-learn on the same decisions; labels checked by row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dataset_checks import eval_examples, row_index, score
from fixture_rows import ROWS
from needs import need_module

from peftbench.datasets import DATASETS, LoadContext
from peftbench.datasets.prompt import prompt_ids
from peftbench.training.data import IGNORE_INDEX, train_features

INVALID = "<invalid>"  # how an unparseable prediction enters the independent reference metrics


def test_every_hub_dataset_has_a_fixture() -> None:
    """Each registered hub dataset has fixture rows, and each fixture folder is one (no count to
    keep in step: adding a dataset without its fixture fails here)."""
    hub = {d.name for d in DATASETS if d.source.startswith("HF hub")}
    assert hub and hub == set(ROWS)


@pytest.mark.parametrize("name", sorted(ROWS))
def test_loads_splits_and_builds_training_features(name: str, ctx: LoadContext, tok: Any) -> None:
    spec = DATASETS.get(name)
    train, evals = (spec.load(split, ctx) for split in spec.splits)
    assert train and evals
    assert len({ex.id for ex in train + evals}) == len(train) + len(evals)
    for ex in train + evals:
        assert ex.prompt.strip() and ex.answer.strip()
        if spec.labels:
            assert ex.answer in spec.labels
        # the reference answer, read back by the dataset's own parser, is right
        parsed = spec.parse(ex.answer)
        assert parsed is not None
    ex = train[0]
    ids = prompt_ids(tok, spec, ex)
    assert ex.prompt in tok.decode(ids)
    (feat,) = train_features(tok, spec, [ex], max_length=8192)
    assert feat["input_ids"][: len(ids)] == ids  # the prompt is exactly what evaluation sees
    answer = [t for t in feat["labels"] if t != IGNORE_INDEX]
    assert feat["labels"][: len(ids)] == [IGNORE_INDEX] * len(ids)  # loss on the answer only
    assert tok.decode(answer[:-1]) == ex.answer and answer[-1] == tok.eos_token_id


# The right answer of each eval row of the fixtures, by row, worked out from the rows' meaning
# (catches a label verbalised the wrong way round, which scoring alone would not).
EXPECTED_GOLDS = {
    "mnli": ["entailment", "neutral", "contradiction", "entailment"],
    "qqp": ["duplicate", "not_duplicate", "duplicate", "not_duplicate"],
    "qnli": ["entailment", "not_entailment", "entailment", "not_entailment"],
    "sst2": ["positive", "negative", "positive", "negative"],
    "mrpc": ["equivalent", "not_equivalent", "equivalent", "not_equivalent"],
    "rte": ["entailment", "not_entailment", "entailment", "not_entailment"],
    "cola": ["acceptable", "unacceptable", "acceptable", "unacceptable"],
    "boolq": ["yes", "no", "no", "yes"],
    "cb": ["neutral", "contradiction", "entailment", "neutral", "entailment"],
    "copa": ["A", "B", "A", "B"],
    "wic": ["yes", "no", "yes", "no"],
    "wsc": ["yes", "no", "no", "yes"],
    "mmlu": ["B", "C", "D", "A"],
    "piqa": ["A", "B", "B", "A"],
    "siqa": ["B", "C", "A", "B"],
    "hellaswag": ["A", "B", "C", "D"],
    "winogrande": ["A", "B", "B", "A"],
    "openbookqa": ["A", "D", "C", "B"],
    "math_qa": ["A", "C", "E", "B"],
}

# Input fields each prompt must show verbatim (fields that are cleaned up are checked elsewhere).
PROMPT_FIELDS = {
    "mnli": ["premise", "hypothesis"],
    "qqp": ["question1", "question2"],
    "qnli": ["question", "sentence"],
    "sst2": ["sentence"],
    "stsb": ["sentence1", "sentence2"],
    "mrpc": ["sentence1", "sentence2"],
    "rte": ["sentence1", "sentence2"],
    "cola": ["sentence"],
    "boolq": ["question", "passage"],
    "cb": ["premise", "hypothesis"],
    "copa": ["premise", "choice1", "choice2"],
    "wic": ["word", "sentence1", "sentence2"],
    "wsc": ["span1_text", "span2_text"],
    "multirc": ["question", "answer"],
    "record": ["query"],
    "mmlu": ["question"],
    "piqa": ["goal", "sol1", "sol2"],
    "siqa": ["context", "question", "answerA", "answerB", "answerC"],
    "hellaswag": ["activity_label"],
    "winogrande": ["sentence", "option1", "option2"],
    "openbookqa": ["question_stem"],
    "math_qa": ["Problem"],
    "gsm8k": ["question"],
    "svamp": ["Body", "Question"],
    "conala": ["rewritten_intent"],
    "codealpacapy": ["prompt"],
    "apps": ["question"],
    "xsum": ["document"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED_GOLDS))
def test_labels_are_verbalised_the_right_way_round(name: str, ctx: LoadContext) -> None:
    _, evals = eval_examples(name, ctx)
    golds = [ex.gold for ex in sorted(evals, key=row_index)]
    assert golds == EXPECTED_GOLDS[name]


@pytest.mark.parametrize("name", sorted(PROMPT_FIELDS))
def test_prompts_show_the_input_fields(name: str, ctx: LoadContext) -> None:
    spec = DATASETS.get(name)
    for split in spec.splits:
        rows = ROWS[name][split]
        for ex in spec.load(split, ctx):
            key = {"apps": "problem_id", "xsum": "id"}.get(name)  # ids from the row's own id
            row = (
                rows[row_index(ex)]
                if key is None
                else next(r for r in rows if f"{split}-{r[key]}" == ex.id)
            )
            if name == "mmlu" and "train" in row:
                row = row["train"]
            for field in PROMPT_FIELDS[name]:
                value = row.get(field) or ""
                assert str(value).strip() in ex.prompt, (field, ex.prompt)


def _reference(metric: str, golds: list[str], preds: list[str]) -> float:
    """The metric computed by scikit-learn, with unparseable predictions as a class of their own."""
    sk = need_module("sklearn.metrics", "pip install 'peftbench[test]' (scikit-learn)")
    accuracy_score, f1_score = sk.accuracy_score, sk.f1_score
    matthews_corrcoef = sk.matthews_corrcoef
    if metric == "accuracy":
        return 100 * accuracy_score(golds, preds)
    if metric == "mcc":
        return 100 * matthews_corrcoef(golds, preds)
    if metric == "f1_macro":
        labels = sorted(set(golds))
        return 100 * f1_score(golds, preds, labels=labels, average="macro", zero_division=0)
    if metric.startswith("f1_"):
        return 100 * f1_score(golds, preds, labels=[metric[3:]], average=None)[0]
    raise AssertionError(metric)


LABELLED = sorted(
    n for n in ROWS if DATASETS.get(n).labels and n not in ("multirc",)
)  # multirc's golds are (question, label) pairs: tested on its own below


@pytest.mark.parametrize("name", LABELLED)
def test_label_datasets_score_fake_predictions(name: str, ctx: LoadContext) -> None:
    """Rows 0-1 answered right (verbatim, then as 'Word.'), row 2 with another label, row 3 with
    text that is no label; the score must equal scikit-learn's on the same decisions."""
    spec, evals = eval_examples(name, ctx)
    by_row = sorted(evals, key=row_index)
    assert len(by_row) >= 4
    outputs, decided = {}, {}
    for i, ex in enumerate(by_row):
        if i == 0:
            outputs[ex.id], decided[ex.id] = ex.answer, ex.gold
        elif i == 1:
            outputs[ex.id], decided[ex.id] = f"{ex.answer.replace('_', ' ').capitalize()}.", ex.gold
        elif i == 2 or i > 3:
            wrong = next(label for label in spec.labels if label != ex.gold)
            outputs[ex.id], decided[ex.id] = wrong, wrong
        else:
            outputs[ex.id], decided[ex.id] = "hmm, hard to tell", INVALID
    values = score(spec, evals, outputs)
    golds = [ex.gold for ex in evals]
    preds = [decided[ex.id] for ex in evals]
    for metric in (spec.metric, *spec.extra_metrics):
        assert values[metric] == pytest.approx(_reference(metric, golds, preds)), metric
    assert values["invalid_rate"] == pytest.approx(1 / len(evals))
    if spec.metric == "accuracy" and len(evals) == 4:
        assert values["accuracy"] == pytest.approx(50.0)


def test_every_split_file_format_is_read(ctx: LoadContext) -> None:
    """sst2 and multirc are parquet, cola and openbookqa CSV (nested fields as JSON text)."""
    assert ctx.data_dir is not None
    assert (Path(ctx.data_dir) / "sst2" / "train.parquet").is_file()
    assert (Path(ctx.data_dir) / "openbookqa" / "validation.csv").is_file()
    _, evals = eval_examples("openbookqa", ctx)
    assert sorted(ex.gold for ex in evals) == ["A", "B", "C", "D"]
