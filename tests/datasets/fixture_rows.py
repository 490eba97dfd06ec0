"""Small fixtures written by us in each hub dataset's real schema (field names and types as the hub
serves them): a few rows per split, ASCII only (the tiny test tokenizer is character-level).

`ROWS[name][split]` lists the rows; `FORMATS[name]` says which local file format the tests write
them in (jsonl unless stated), so that every reader (jsonl, parquet, csv) is exercised.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

LONG = "The committee met on Monday. It approved the new budget after a short debate."


def _glue_pair(a: str, b: str, rows: list[tuple[str, str, int]]) -> list[dict[str, Any]]:
    return [{a: x, b: y, "label": label, "idx": i} for i, (x, y, label) in enumerate(rows)]


def _single(rows: list[tuple[str, int]]) -> list[dict[str, Any]]:
    return [{"sentence": s, "label": label, "idx": i} for i, (s, label) in enumerate(rows)]


ROWS: dict[str, dict[str, list[dict[str, Any]]]] = {
    # ---- GLUE (nyu-mll/glue): label ints as the hub's ClassLabel
    "mnli": {
        "train": _glue_pair(
            "premise",
            "hypothesis",
            [
                ("A man plays a guitar on stage.", "A man is performing music.", 0),
                ("Two dogs run in a field.", "The dogs are sleeping.", 2),
                ("A woman reads a book.", "The book is a novel.", 1),
            ],
        ),
        "validation_mismatched": _glue_pair(
            "premise",
            "hypothesis",
            [
                ("The shop opens at nine.", "The shop opens in the morning.", 0),
                ("He bought a red car.", "The car was expensive.", 1),
                ("It rained all day.", "The weather was dry.", 2),
                ("The kids built a sandcastle.", "Children were at the beach.", 0),
            ],
        ),
    },
    "qqp": {
        "train": _glue_pair(
            "question1",
            "question2",
            [("How do I learn Python?", "What is the best way to learn Python?", 1)],
        ),
        "validation": _glue_pair(
            "question1",
            "question2",
            [
                ("How tall is Everest?", "What is the height of Mount Everest?", 1),
                ("How do I bake bread?", "Why is the sky blue?", 0),
                ("What is a good laptop?", "Which laptop should I buy?", 1),
                ("How do magnets work?", "Where is Peru?", 0),
            ],
        ),
    },
    "qnli": {
        "train": _glue_pair(
            "question", "sentence", [("Who wrote Hamlet?", "Hamlet was written by Shakespeare.", 0)]
        ),
        "validation": _glue_pair(
            "question",
            "sentence",
            [
                ("When was the bridge built?", "The bridge was built in 1890.", 0),
                ("What colour is the flag?", "The city has a large harbour.", 1),
                ("Where is the museum?", "The museum is next to the park.", 0),
                ("How old is the tree?", "Many birds nest there.", 1),
            ],
        ),
    },
    "sst2": {
        "train": _single([("a warm and funny film", 1), ("dull and far too long", 0)]),
        "validation": _single(
            [
                ("a delight from start to finish", 1),
                ("the plot makes no sense", 0),
                ("beautifully acted", 1),
                ("a tedious mess", 0),
            ]
        ),
    },
    "stsb": {
        "train": _glue_pair(
            "sentence1",
            "sentence2",
            [("A cat sits on a mat.", "A cat is sitting on a mat.", 4.800000190734863)],
        ),
        "validation": _glue_pair(
            "sentence1",
            "sentence2",
            [
                ("A man is cooking.", "A man is making food.", 4.199999809265137),
                ("A dog barks.", "The stock market fell.", 1.0),
                ("Kids play football.", "Children are playing soccer.", 3.5),
                ("A plane takes off.", "A woman slices onions.", 0.4000000059604645),
            ],
        ),
    },
    "mrpc": {
        "train": _glue_pair(
            "sentence1",
            "sentence2",
            [("The firm posted a profit.", "The company reported a profit.", 1)],
        ),
        "validation": _glue_pair(
            "sentence1",
            "sentence2",
            [
                ("Sales rose by 5 percent.", "Sales increased 5 percent.", 1),
                ("The mayor resigned.", "The weather was mild.", 0),
                ("He left on Friday.", "He departed on Friday.", 1),
                ("Prices fell.", "The team won the cup.", 0),
            ],
        ),
    },
    "rte": {
        "train": _glue_pair(
            "sentence1",
            "sentence2",
            [("Paris is the capital of France.", "Paris is in France.", 0)],
        ),
        "validation": _glue_pair(
            "sentence1",
            "sentence2",
            [
                ("The lake froze in January.", "The lake was frozen in winter.", 0),
                ("Tom sold his bike.", "Tom bought a bike.", 1),
                ("The film won three awards.", "The film won awards.", 0),
                ("She moved to Rome.", "She was born in Rome.", 1),
            ],
        ),
    },
    "cola": {
        "train": _single([("The cat chased the mouse.", 1), ("Cat the mouse chased the.", 0)]),
        "validation": _single(
            [
                ("She sings well.", 1),
                ("Him went to the shop.", 0),
                ("They have finished.", 1),
                ("The more you eat the.", 0),
            ]
        ),
    },
    # ---- SuperGLUE (aps/super_glue)
    "boolq": {
        "train": [
            {"question": "is water wet", "passage": "Water is a liquid.", "idx": 0, "label": 1}
        ],
        "validation": [
            {
                "question": "is the sun a star",
                "passage": "The Sun is a star.",
                "idx": 0,
                "label": 1,
            },
            {"question": "do fish fly", "passage": "Most fish swim.", "idx": 1, "label": 0},
            {"question": "is ice cold", "passage": "Ice is frozen water.", "idx": 2, "label": 0},
            {"question": "can owls see at night", "passage": "Owls hunt.", "idx": 3, "label": 1},
        ],
    },
    "cb": {
        "train": [
            {"premise": LONG, "hypothesis": "The budget was approved.", "idx": 0, "label": 0}
        ],
        "validation": [
            {"premise": "I think he left.", "hypothesis": "He left.", "idx": 0, "label": 2},
            {"premise": "She never came.", "hypothesis": "She came.", "idx": 1, "label": 1},
            {"premise": "It is certain he won.", "hypothesis": "He won.", "idx": 2, "label": 0},
            {"premise": "Maybe it rained.", "hypothesis": "It rained.", "idx": 3, "label": 2},
            {"premise": "He knows she lied.", "hypothesis": "She lied.", "idx": 4, "label": 0},
        ],
    },
    "copa": {
        "train": [
            {
                "premise": "The man broke his toe.",
                "choice1": "He dropped a hammer on his foot.",
                "choice2": "He got a hole in his sock.",
                "question": "cause",
                "idx": 0,
                "label": 0,
            }
        ],
        "validation": [
            {
                "premise": "The glass fell off the table.",
                "choice1": "It shattered.",
                "choice2": "It was refilled.",
                "question": "effect",
                "idx": 0,
                "label": 0,
            },
            {
                "premise": "The girl was late for school.",
                "choice1": "She ate breakfast.",
                "choice2": "She missed the bus.",
                "question": "cause",
                "idx": 1,
                "label": 1,
            },
            {
                "premise": "The room was dark.",
                "choice1": "I turned on the light.",
                "choice2": "I opened the fridge.",
                "question": "effect",
                "idx": 2,
                "label": 0,
            },
            {
                "premise": "The plant died.",
                "choice1": "It was watered daily.",
                "choice2": "It got no water.",
                "question": "cause",
                "idx": 3,
                "label": 1,
            },
        ],
    },
    "wic": {
        "train": [
            {
                "word": "bank",
                "sentence1": "He sat on the river bank.",
                "sentence2": "She works at a bank.",
                "start1": 17,
                "start2": 16,
                "end1": 21,
                "end2": 20,
                "idx": 0,
                "label": 0,
            }
        ],
        "validation": [
            {
                "word": "run",
                "sentence1": "I run every morning.",
                "sentence2": "They run fast.",
                "start1": 2,
                "start2": 5,
                "end1": 5,
                "end2": 8,
                "idx": i,
                "label": label,
            }
            for i, label in enumerate([1, 0, 1, 0])
        ],
    },
    "wsc": {
        "train": [
            {
                "text": "Mark told Pete many lies about himself, which Pete included in his book.",
                "span1_index": 0,
                "span2_index": 11,
                "span1_text": "Mark",
                "span2_text": "his",
                "idx": 0,
                "label": 0,
            }
        ],
        "validation": [
            {
                "text": "The trophy does not fit in the suitcase because it is too big.",
                "span1_index": 1,
                "span2_index": 9,
                "span1_text": "trophy",
                "span2_text": "it",
                "idx": i,
                "label": label,
            }
            for i, label in enumerate([1, 0, 0, 1])
        ],
    },
    "multirc": {
        "train": [
            {
                "paragraph": "<b>Sent 1: </b>Ann has a red bike.<br><b>Sent 2: </b>She rides it.",
                "question": "What colour is the bike?",
                "answer": "Red",
                "idx": {"paragraph": 0, "question": 0, "answer": 0},
                "label": 1,
            }
        ],
        "validation": [
            {
                "paragraph": "<b>Sent 1: </b>Bo lives in Oslo.<br><b>Sent 2: </b>He has two cats.",
                "question": q,
                "answer": a,
                "idx": {"paragraph": 5, "question": qi, "answer": ai},
                "label": label,
            }
            for q, qi, ai, a, label in [
                ("Where does Bo live?", 0, 0, "Oslo", 1),
                ("Where does Bo live?", 0, 1, "Rome", 0),
                ("Where does Bo live?", 0, 2, "In Oslo", 1),
                ("How many cats?", 1, 0, "Three", 0),
                ("How many cats?", 1, 1, "Two", 1),
            ]
        ],
    },
    "record": {
        "train": [
            {
                "passage": "Alice Smith won the race.\n@highlight\nSmith wins again",
                "query": "@placeholder crossed the line first.",
                "entities": ["Alice Smith", "Smith"],
                "entity_spans": {"text": ["Alice Smith"], "start": [0], "end": [11]},
                "answers": ["Alice Smith"],
                "idx": {"passage": 0, "query": 0},
            },
            {
                "passage": "A passage whose query has no answer.",
                "query": "@placeholder is missing.",
                "entities": ["Nobody"],
                "entity_spans": {"text": ["Nobody"], "start": [0], "end": [6]},
                "answers": [],
                "idx": {"passage": 1, "query": 1},
            },
        ],
        "validation": [
            {
                "passage": "Alice Smith of Leeds won the race on Sunday.\n@highlight\nSmith wins",
                "query": "Fans cheered for @placeholder at the finish.",
                "entities": ["Alice Smith", "Smith", "Leeds"],
                "entity_spans": {"text": ["Alice Smith"], "start": [0], "end": [11]},
                "answers": ["Alice Smith", "Smith"],
                "idx": {"passage": 0, "query": 0},
            },
            {
                "passage": "The summit was held in Paris.\n@highlight\nLeaders meet in Paris",
                "query": "Leaders gathered in @placeholder for talks.",
                "entities": ["Paris"],
                "entity_spans": {"text": ["Paris"], "start": [23], "end": [28]},
                "answers": ["Paris"],
                "idx": {"passage": 1, "query": 1},
            },
        ],
    },
    # ---- other NLU
    "mmlu": {
        "auxiliary_train": [
            {
                "question": "What is 2 + 2?",
                "subject": "",
                "choices": ["3", "4", "5", "6"],
                "answer": 1,
            },
            {  # the standalone `auxiliary_train` config nests its fields under `train`
                "train": {
                    "question": "Which gas do plants absorb?",
                    "subject": "",
                    "choices": ["Oxygen", "Helium", "Carbon dioxide", "Neon"],
                    "answer": 2,
                }
            },
        ],
        "validation": [
            {
                "question": f"Question number {i}?",
                "subject": "high_school_physics",
                "choices": ["w", "x", "y", "z"],
                "answer": answer,
            }
            for i, answer in enumerate([1, 2, 3, 0])
        ],
    },
    "piqa": {
        "train": [{"goal": "Open a jar.", "sol1": "Twist the lid.", "sol2": "Eat it.", "label": 0}],
        "validation": [
            {"goal": f"Goal {i}.", "sol1": "First way.", "sol2": "Second way.", "label": label}
            for i, label in enumerate([0, 1, 1, 0])
        ],
    },
    "siqa": {
        "train": [
            {
                "context": "Sam gave Kim a gift.",
                "question": "How would Kim feel?",
                "answerA": "happy",
                "answerB": "angry",
                "answerC": "bored",
                "label": "1",
            }
        ],
        "validation": [
            {
                "context": f"Context {i}.",
                "question": "What next?",
                "answerA": "one",
                "answerB": "two",
                "answerC": "three",
                "label": label,
            }
            for i, label in enumerate(["2", "3", "1", "2"])
        ],
    },
    "hellaswag": {
        "train": [
            {
                "ind": 4,
                "activity_label": "Baking cookies",
                "ctx_a": "A woman mixes flour and sugar in a bowl.",
                "ctx_b": "she",
                "ctx": "A woman mixes flour and sugar in a bowl. she",
                "endings": ["adds eggs.", "flies away.", "sings a song.", "paints a wall."],
                "source_id": "activitynet~v_x",
                "split": "train",
                "split_type": "indomain",
                "label": "0",
            }
        ],
        "validation": [
            {
                "ind": 10 + i,
                "activity_label": "Home and Garden",
                "ctx_a": "[header] How to water plants [title] Fill a can.",
                "ctx_b": "",
                "ctx": "[header] How to water plants [title] Fill a can.",
                "endings": ["[step] Pour slowly.", "Eat soil.", "Jump.", "Sleep."],
                "source_id": "wikihow~1",
                "split": "val",
                "split_type": "zeroshot",
                "label": label,
            }
            for i, label in enumerate(["0", "1", "2", "3"])
        ],
    },
    "winogrande": {
        "train": [
            {
                "sentence": "The ball broke the window because _ was hard.",
                "option1": "the ball",
                "option2": "the window",
                "answer": "1",
            }
        ],
        "validation": [
            {
                "sentence": f"Sentence {i} has a blank _ here.",
                "option1": "Ann",
                "option2": "Bo",
                "answer": answer,
            }
            for i, answer in enumerate(["1", "2", "2", "1"])
        ],
    },
    "openbookqa": {
        "train": [
            {
                "id": "7-980",
                "question_stem": "The sun is responsible for",
                "choices": {
                    "text": ["puppies", "plants sprouting", "the moon", "rocks"],
                    "label": ["A", "B", "C", "D"],
                },
                "answerKey": "B",
            }
        ],
        "validation": [
            {
                "id": f"8-{i}",
                "question_stem": f"Question stem {i}",
                "choices": {"text": ["a1", "b1", "c1", "d1"], "label": ["A", "B", "C", "D"]},
                "answerKey": key,
            }
            for i, key in enumerate(["A", "D", "C", "B"])
        ],
    },
    # ---- math
    "math_qa": {
        "train": [
            {
                "Problem": "what is 10 percent of 50 ?",
                "Rationale": '"10 / 100 * 50 = 5 answer : a"',
                "options": "a ) 5 , b ) 10 , c ) 15 , d ) 1,200 , e ) none of these",
                "correct": "a",
                "annotated_formula": "multiply(divide(10, 100), 50)",
                "linear_formula": "divide(n0,const_100)|multiply(#0,n1)|",
                "category": "gain",
            }
        ],
        "validation": [
            {
                "Problem": f"problem {i} ?",
                "Rationale": '"..."',
                "options": "a ) 1 , b ) 2 , c ) 3 , d ) 4 , e ) 5",
                "correct": correct,
                "annotated_formula": "add(n0,n1)",
                "linear_formula": "add(n0,n1)|",
                "category": "general",
            }
            for i, correct in enumerate(["a", "c", "e", "b"])
        ],
    },
    "gsm8k": {
        "train": [
            {
                "question": "Tom has 3 apples and buys 4 more. How many apples does he have?",
                "answer": "He has 3 + 4 = <<3+4=7>>7 apples.\n#### 7",
            }
        ],
        "test": [
            {"question": "What is 9 times 2?", "answer": "9 * 2 = <<9*2=18>>18\n#### 18"},
            {"question": "What is 10 times 100?", "answer": "10 * 100 = 1000\n#### 1,000"},
            {"question": "What is 2 + 3?", "answer": "2 + 3 = 5\n#### 5"},
            {"question": "What is 4 + 4?", "answer": "4 + 4 = 8\n#### 8"},
        ],
    },
    "svamp": {
        "train": [
            {
                "ID": "chal-1",
                "Body": "Jack had 100 marbles. He gave 54 to his friend.",
                "Question": "How many marbles does Jack have now?",
                "Equation": "( 100.0 - 54.0 )",
                "Answer": 46.0,
                "Type": "Subtraction",
                "question_concat": "Jack had 100 marbles. ... How many marbles does he have now?",
            }
        ],
        "test": [
            {
                "ID": f"chal-{10 + i}",
                "Body": body,
                "Question": "How many are there?",
                "Equation": equation,
                "Answer": answer,
                "Type": "Addition",
                "question_concat": body,
            }
            for i, (body, equation, answer) in enumerate(
                [
                    ("There are 12 red and 34 blue balls.", "( 12.0 + 34.0 )", 46.0),
                    ("A box holds 6 eggs and 6 more are added.", "( 6.0 + 6.0 )", 12.0),
                    ("Sara has 5 pens and loses 3.", "( 5.0 - 3.0 )", 2.0),
                    ("There are 3 cats and 4 dogs.", "( 3.0 + 4.0 )", 7.0),
                ]
            )
        ],
    },
    # ---- code
    "conala": {
        "train": [
            {
                "question_id": 1,
                "intent": "How to reverse a list?",
                "rewritten_intent": "reverse list `xs`",
                "snippet": "xs[::-1]",
            }
        ],
        "test": [
            {
                "question_id": 2,
                "intent": "join strings",
                "rewritten_intent": "join the list of strings `words` with spaces",
                "snippet": "result = ' '.join(words)",
            },
            {
                "question_id": 3,
                "intent": "sort a dict by value",
                "rewritten_intent": None,
                "snippet": "pairs = sorted(d.items(), key=lambda kv: kv[1])",
            },
        ],
    },
    "codealpacapy": {
        "train": [
            {
                "prompt": "Write a function that returns the square of a number.",
                "response": "def square(n):\n    return n * n",
            }
        ],
        "test": [
            {
                "prompt": "Write a function that adds two numbers.",
                "response": "def add(a, b):\n    total = a + b\n    return total",
            },
            {
                "prompt": "Write a function that counts vowels in a string.",
                "response": "def count_vowels(s):\n    n = 0\n    for c in s:\n"
                "        if c in 'aeiou':\n            n += 1\n    return n",
            },
        ],
    },
    "apps": {
        "train": [
            {
                "problem_id": 0,
                "question": "Read n and print n squared.",
                "solutions": json.dumps(
                    ["n = int(input())\nprint(n * n)", "print(int(input())**2)"]
                ),
                "input_output": json.dumps({"inputs": ["3\n"], "outputs": ["9\n"]}),
                "difficulty": "introductory",
                "url": "https://example.org/problem/0",
                "starter_code": "",
            }
        ],
        "test": [
            {
                "problem_id": 4000,
                "question": "Read two integers a and b on one line and print their sum.",
                "solutions": json.dumps(["a, b = map(int, input().split())\nprint(a + b)"]),
                "input_output": json.dumps(
                    {"inputs": ["1 2\n", "10 -3\n"], "outputs": ["3\n", "7\n"]}
                ),
                "difficulty": "introductory",
                "url": "https://example.org/problem/4000",
                "starter_code": "",
            },
            {
                "problem_id": 4001,
                "question": "Return x plus one.",
                "solutions": json.dumps(["def add_one(x):\n    return x + 1"]),
                "input_output": json.dumps(
                    {"fn_name": "add_one", "inputs": [[1], [41]], "outputs": [[2], [42]]}
                ),
                "difficulty": "interview",
                "url": "https://example.org/problem/4001",
                "starter_code": "def add_one(x):\n    ",
            },
            {  # no tests: cannot be scored by execution, so it is left out of evaluation
                "problem_id": 4002,
                "question": "A problem without tests.",
                "solutions": json.dumps(["print(1)"]),
                "input_output": "",
                "difficulty": "competition",
                "url": "https://example.org/problem/4002",
                "starter_code": "",
            },
        ],
    },
    # ---- summarisation
    "xsum": {
        "train": [
            {
                "document": LONG,
                "summary": "A committee approved the budget.",
                "id": "100",
            }
        ],
        "test": [
            {"document": "A cat was seen on a mat all day.", "summary": "A cat sat.", "id": "201"},
            {
                "document": "Local reports say the cat rested on the mat.",
                "summary": "the cat sat on the mat",
                "id": "202",
            },
        ],
    },
}

FORMATS = {"sst2": "parquet", "cola": "csv", "openbookqa": "csv", "multirc": "parquet"}


def write_split(root: Path, name: str, split: str, rows: list[dict[str, Any]], fmt: str) -> Path:
    """Write one split as `<root>/<name>/<split>.<fmt>` (CSV: nested fields as JSON text)."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{split}.{fmt}"
    if fmt == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), path)
    elif fmt == "csv":
        import pandas as pd

        flat = [
            {k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in r.items()}
            for r in rows
        ]
        pd.DataFrame(flat).to_csv(path, index=False)
    else:
        raise ValueError(fmt)
    return path


def write_all(root: Path) -> Path:
    for name, splits in ROWS.items():
        for split, rows in splits.items():
            write_split(root, name, split, rows, FORMATS.get(name, "jsonl"))
    return root
