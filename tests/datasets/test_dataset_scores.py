"""Dataset-specific checks on the fixtures: scores worked out by hand (or by scipy, rouge-score,
codebleu), and the data-prep defects of the original kept out (COPA's question, WinoGrande's
instruction, SVAMP's gold answer, APPS's starter code and one example per problem)."""

from __future__ import annotations

from typing import Any

import pytest
from dataset_checks import eval_examples, score
from needs import missing, need_module

from peftbench.datasets import DATASETS, Example, LoadContext


def test_glue_binary_f1_and_mcc_by_hand(ctx: LoadContext) -> None:
    # qqp golds: dup, not, dup, not; predictions right, right, 'not duplicate', unparseable
    spec, evals = eval_examples("qqp", ctx)
    outputs = {
        "validation-0": "duplicate",
        "validation-1": "not_duplicate",
        "validation-2": "Not duplicate",
        "validation-3": "maybe",
    }
    values = score(spec, evals, outputs)
    assert values["f1_duplicate"] == pytest.approx(100 * 2 / 3)  # tp 1, fp 0, fn 1
    assert values["accuracy"] == pytest.approx(50.0)
    # cola golds: acc, unacc, acc, unacc; predictions acc, unacc, unacc, unparseable
    spec, evals = eval_examples("cola", ctx)
    outputs = {
        "validation-0": "acceptable",
        "validation-1": "unacceptable",
        "validation-2": "unacceptable",
        "validation-3": "dunno",
    }
    # Gorodkin's R_K: (2*4 - (2*1 + 2*2)) / sqrt((16 - 6) * (16 - 8)) = 2 / sqrt(80)
    assert score(spec, evals, outputs)["mcc"] == pytest.approx(100 * 2 / 80**0.5)


def test_mnli_evaluates_on_mismatched_and_scores_macro_f1(ctx: LoadContext) -> None:
    spec, evals = eval_examples("mnli", ctx)
    assert spec.splits == ("train", "validation_mismatched")
    outputs = {
        "validation_mismatched-0": "Entailment.",
        "validation_mismatched-1": "neutral",
        "validation_mismatched-2": "entailment",
        "validation_mismatched-3": "I am not sure",
    }
    values = score(spec, evals, outputs)
    assert values["accuracy"] == pytest.approx(50.0)
    # per class F1: contradiction 0, entailment 2/(2+1+1), neutral 1 -> mean 0.5
    assert values["f1_macro"] == pytest.approx(50.0)


def test_stsb_correlations(ctx: LoadContext) -> None:
    pearsonr = need_module("scipy.stats", "pip install scipy").pearsonr
    spec, evals = eval_examples("stsb", ctx)
    outputs = {
        "validation-0": "4.2",
        "validation-1": "1",
        "validation-2": "3 out of 5",
        "validation-3": "about five",
    }
    values = score(spec, evals, outputs)
    golds = {ex.id: ex.gold for ex in evals}
    order = [f"validation-{i}" for i in range(4)]
    gold = [golds[k] for k in order]
    assert gold == pytest.approx([4.2, 1.0, 3.5, 0.4])
    mean = (4.2 + 1 + 3) / 3  # the unparseable prediction is imputed with the valid mean
    assert values["pearson"] == pytest.approx(100 * pearsonr([4.2, 1, 3, mean], gold)[0])
    # ranks: valid predictions 3, 1, 2 (mean rank 2 imputed); golds 4, 2, 3, 1
    assert values["spearman"] == pytest.approx(100 * pearsonr([3, 1, 2, 2], [4, 2, 3, 1])[0])
    assert values["invalid_rate"] == 0.25


def test_multirc_f1a_and_exact_match(ctx: LoadContext) -> None:
    spec, evals = eval_examples("multirc", ctx)
    assert [ex.gold[0] for ex in evals].count("5-0") == 3
    outputs = {
        "validation-0": "true",  # gold true
        "validation-1": "false",  # gold false
        "validation-2": "True.",  # gold true
        "validation-3": "false",  # gold false
        "validation-4": "maybe",  # gold true: unparseable
    }
    values = score(spec, evals, outputs)
    assert values["multirc_f1a"] == pytest.approx(80.0)  # tp 2, fp 0, fn 1
    assert values["multirc_em"] == pytest.approx(50.0)  # question 5-0 all right, 5-1 not


def test_record_best_answer_f1_and_em(ctx: LoadContext) -> None:
    spec, train = DATASETS.get("record"), DATASETS.get("record").load("train", ctx)
    assert len(train) == 1  # the query without an answer is dropped
    spec, evals = eval_examples("record", ctx)
    outputs = {"validation-0": "Smith", "validation-1": "the city of Paris"}
    values = score(spec, evals, outputs)
    # query 0: 'Smith' is one of the gold answers; query 1: tokens city/of/paris vs paris
    assert values["record_f1"] == pytest.approx(100 * (1 + 0.5) / 2)
    assert values["record_em"] == pytest.approx(50.0)


def test_copa_keeps_cause_or_effect_question(ctx: LoadContext) -> None:
    _, evals = eval_examples("copa", ctx)
    kinds = {ex.id: ex.prompt for ex in evals}
    assert "CAUSE" in kinds["validation-1"] and "cause" in kinds["validation-1"]
    assert "RESULT" in kinds["validation-0"] and "effect" in kinds["validation-0"]


def test_winogrande_same_instruction_in_train_and_eval(ctx: LoadContext) -> None:
    spec = DATASETS.get("winogrande")
    train, evals = (spec.load(split, ctx) for split in spec.splits)

    def instruction(ex: Example) -> str:
        return ex.prompt.split("\n", 1)[1]  # everything after the sentence

    assert {instruction(ex).split("\nA.")[0] for ex in train + evals} == {
        "Which option correctly fills the blank (_) in the sentence?"
    }


def test_gsm8k_number_after_hashes(ctx: LoadContext) -> None:
    spec, train = DATASETS.get("gsm8k"), DATASETS.get("gsm8k").load("train", ctx)
    assert "<<" not in train[0].answer and train[0].answer.endswith("#### 7")
    spec, evals = eval_examples("gsm8k", ctx)
    outputs = {
        "test-0": "9 * 2 = 18\n#### 18",
        "test-1": "10 * 100 = 1000\n#### 1,000",
        "test-2": "The answer is 5",  # no '####': unparseable
        "test-3": "4 + 4 = 7\n#### 7",
    }
    values = score(spec, evals, outputs)
    assert values["numeric_accuracy"] == pytest.approx(50.0)
    assert values["invalid_rate"] == 0.25


def test_svamp_compares_with_gold_answer(ctx: LoadContext) -> None:
    spec, train = DATASETS.get("svamp"), DATASETS.get("svamp").load("train", ctx)
    assert train[0].answer == "(100 - 54) = 46"
    spec, evals = eval_examples("svamp", ctx)
    outputs = {
        "test-0": "(12 + 34) = 46",
        "test-1": "x = 12.0",
        "test-2": "(5 + 3) = 8",  # a consistent equation, but not the answer (gold 2)
        "test-3": "I do not know",
    }
    values = score(spec, evals, outputs)
    assert values["numeric_accuracy"] == pytest.approx(50.0)
    assert values["invalid_rate"] == 0.25


@pytest.fixture(scope="module")
def codebleu_ok() -> Any:
    codebleu = need_module("codebleu", "pip install 'peftbench[code]'")
    try:
        from codebleu.utils import get_tree_sitter_language

        get_tree_sitter_language("python")
    except (ImportError, TypeError) as exc:
        missing(f"the tree-sitter Python grammar ({exc})", "pip install 'peftbench[code]'")
    return codebleu


@pytest.mark.parametrize("name", ["conala", "codealpacapy"])
def test_code_sets_codebleu(name: str, ctx: LoadContext, codebleu_ok: Any) -> None:
    """Fenced or bare, the reference scores as the package scores it against itself (about 100;
    a little under for one-line snippets, whose 4-gram BLEU is smoothed); with half the outputs
    empty (unparseable) it matches the package on the same inputs."""
    spec, evals = eval_examples(name, ctx)
    refs = [[ex.gold] for ex in evals]
    exact = {ex.id: f"```python\n{ex.answer}\n```" for ex in evals}
    expected = codebleu_ok.calc_codebleu(refs, [ex.answer for ex in evals], lang="python")
    assert score(spec, evals, exact)["codebleu"] == pytest.approx(100 * expected["codebleu"])
    assert expected["codebleu"] > 0.99
    first, *rest = sorted(evals, key=lambda ex: ex.id)
    half = {first.id: first.answer, **{ex.id: "" for ex in rest}}
    values = score(spec, evals, half)
    hyps = [half[ex.id] for ex in evals]
    expected = codebleu_ok.calc_codebleu(refs, hyps, lang="python")
    assert expected["dataflow_match_score"] > 0  # so the package's 'or 1' quirk does not apply
    assert values["codebleu"] == pytest.approx(100 * expected["codebleu"])
    assert 0 < values["codebleu"] < 100 and values["invalid_rate"] == pytest.approx(0.5)


def test_apps_prompt_scoring_and_sandboxed_pass_at_1(ctx: LoadContext, codebleu_ok: Any) -> None:
    spec = DATASETS.get("apps")
    train = spec.load("train", ctx)
    assert len(train) == 1  # one example per problem, though it has two solutions
    spec, evals = eval_examples("apps", ctx)
    assert sorted(ex.id for ex in evals) == ["test-4000", "test-4001"]  # 4002 has no tests
    prompts = {ex.id: ex.prompt for ex in evals}
    assert "def add_one(x):" in prompts["test-4001"] and "Call-Based" in prompts["test-4001"]
    assert "Standard Input" in prompts["test-4000"]
    outputs = {
        "test-4000": "```python\na, b = map(int, input().split())\nprint(a + b)\n```",
        "test-4001": "def add_one(x):\n    return x + 2",
    }
    values = score(spec, evals, outputs)
    assert values["pass_at_1"] == pytest.approx(50.0)
    refs = [ex.gold["references"] for ex in evals]
    hyps = [spec.parse(outputs[ex.id]) for ex in evals]
    expected = codebleu_ok.calc_codebleu(refs, hyps, lang="python")
    assert values["codebleu"] == pytest.approx(100 * expected["codebleu"])


def test_xsum_rouge_l(ctx: LoadContext) -> None:
    spec, evals = eval_examples("xsum", ctx)
    outputs = {"test-201": "A cat sat.", "test-202": "the cat sat\nand slept"}  # first line only
    values = score(spec, evals, outputs)
    # LCS 'the cat sat': precision 3/3, recall 3/6 -> F 2/3; the other summary is exact
    assert values["rouge_l"] == pytest.approx(100 * (1 + 2 / 3) / 2)
    rouge_scorer = need_module("rouge_score.rouge_scorer", "pip install rouge-score")
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    ref = [
        scorer.score("A cat sat.", "A cat sat."),
        scorer.score("the cat sat on the mat", "the cat sat"),
    ]
    expected = 100 * sum(s["rougeL"].fmeasure for s in ref) / 2
    assert values["rouge_l"] == pytest.approx(expected)
