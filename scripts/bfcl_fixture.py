#!/usr/bin/env python3
"""Generates runtime/bfcl/tests/fixtures/verdicts.jsonl: verdicts of the official BFCL
AST checker (PyPI `bfcl-eval==2026.3.23`) on model outputs built by mutating
the ground truths of the BFCL v4 Python categories systematically.

The Rust port (the bfcl crate, bfcl::ast) must agree with every line; see
runtime/bfcl/tests/agreement.rs.

Only PyPI is used: the wheel is downloaded with `pip download --no-deps`,
checked against its sha256 and unpacked in a temp dir. The checker needs none
of the package's dependencies, except two imports that are stubbed:
`bfcl_eval.constants.model_config` (imports every model handler; the checker
only reads `underscore_to_dot` from it) and `filelock` (imported by
`bfcl_eval.utils`, unused by the two helpers we call).

    python3 scripts/bfcl_fixture.py [--wheel PATH] [--out PATH]

Each output line: {"category", "id", "calls": [{"name", "arguments"}],
"underscore_to_dot", "kind", "valid", "error_type", "errors"}.
"""
import argparse
import copy
import hashlib
import json
import random
import subprocess
import sys
import tempfile
import types
import zipfile
from pathlib import Path

SPEC = "bfcl-eval==2026.3.23"
WHEEL_SHA = "3bb6dfa5f0c68ad403c9ec50b00db2bb3b4cc9b38ab1ff33f48fe30d853d3a0a"
AST_CATEGORIES = ["simple_python", "multiple", "parallel", "parallel_multiple"]
EXCEPTION = "ast_checker:exception"
# entries sampled per category (parallel verdicts are long: keep the file < 1 MB)
PER_CATEGORY = {"simple_python": 90, "multiple": 56, "parallel": 18, "parallel_multiple": 18,
                "irrelevance": 40}
MODEL_DOT, MODEL_UNDERSCORE = "agentcoder-dot", "agentcoder-underscore"


def load_checker(wheel: Path, tmp: Path):
    if hashlib.sha256(wheel.read_bytes()).hexdigest() != WHEEL_SHA:
        sys.exit(f"{wheel}: sha256 mismatch (want {WHEEL_SHA})")
    zipfile.ZipFile(wheel).extractall(tmp)
    sys.path.insert(0, str(tmp))
    mc = types.ModuleType("bfcl_eval.constants.model_config")
    mc.MODEL_CONFIG_MAPPING = {
        MODEL_DOT: types.SimpleNamespace(underscore_to_dot=False),
        MODEL_UNDERSCORE: types.SimpleNamespace(underscore_to_dot=True),
    }
    sys.modules["bfcl_eval.constants.model_config"] = mc
    fl = types.ModuleType("filelock")
    fl.FileLock = object
    sys.modules["filelock"] = fl
    from bfcl_eval.constants.enums import Language
    from bfcl_eval.eval_checker.ast_eval.ast_checker import ast_checker
    from bfcl_eval.utils import is_empty_output, is_function_calling_format_output

    def official(category, entry, gt, calls, underscore):
        """The glue of eval_runner._evaluate_single_{ast,relevance}_entry."""
        decoded = [{c["name"]: c["arguments"]} for c in calls]
        if category == "irrelevance":
            if is_empty_output(decoded):
                return True, None, []
            msg = "Valid syntax. Successfully decode AST when it should not."
            return False, "irrelevance_error:decoder_success", [msg]
        if not is_function_calling_format_output(decoded):
            msg = ("Did not output in the specified format. Note: the model_result "
                   "is wrapped in a string to ensure json serializability.")
            return False, "ast_decoder:decoder_wrong_output_format", [msg]
        model = MODEL_UNDERSCORE if underscore else MODEL_DOT
        try:
            r = ast_checker(copy.deepcopy(entry["function"]), decoded, copy.deepcopy(gt),
                            Language.PYTHON, category, model)
        except Exception as e:  # the official runner would crash here
            return False, EXCEPTION, [type(e).__name__]
        if r["valid"]:
            return True, None, []
        errors = [e if isinstance(e, str) else repr(e) for e in r["error"]]
        return False, r["error_type"], errors

    return official


def read_jsonl(wheel_dir: Path, rel: str):
    path = wheel_dir / "bfcl_eval" / "data" / rel
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# ---- building model outputs from ground truths -------------------------------

FUZZ = [0, 1, -3, 2.5, 1.0, True, False, "", "abc", "ABC", [], [1, 2], ["a"], {}, {"a": 1},
        None, [{"a": 1}], 2**63, 1e-05]


def schema_of(functions, name):
    for f in functions:
        if f["name"] == name:
            return f["parameters"]
    return {"properties": {}, "required": []}


def pick(rng, allowed, optional_drop=0.5):
    """A value from an allowed list, or None (= omit) when "" allows omission."""
    non_empty = [a for a in allowed if a != ""]
    if not non_empty or ("" in allowed and rng.random() < optional_drop):
        return None
    return [rng.choice(non_empty)]


def build_value(rng, ptype, item_type, chosen):
    """Turns a ground-truth candidate into a model value (dict candidates hold
    allowed lists per key)."""
    if ptype == "dict" and isinstance(chosen, dict):
        out = {}
        for k, allowed in chosen.items():
            v = pick(rng, allowed if isinstance(allowed, list) else [allowed])
            if v is not None:
                out[k] = v[0]
        return out
    if ptype == "array" and item_type == "dict" and isinstance(chosen, list):
        return [build_value(rng, "dict", None, d) for d in chosen]
    return copy.deepcopy(chosen)


def correct_call(rng, functions, gt_call, optional_drop=0.5):
    name, params = next(iter(gt_call.items()))
    props = schema_of(functions, name)["properties"]
    args = {}
    for p, allowed in params.items():
        v = pick(rng, allowed, optional_drop)
        if v is None:
            continue
        d = props.get(p, {})
        args[p] = build_value(rng, d.get("type"), d.get("items", {}).get("type"), v[0])
    return {"name": name, "arguments": args}


def type_variants(v):
    if isinstance(v, bool):
        return [int(v), str(v).lower(), None]
    if isinstance(v, int):
        return [float(v), str(v), True, v + 1]
    if isinstance(v, float):
        return [int(v), str(v), v + 0.5, True] + ([int(v)] if v == int(v) else [])
    if isinstance(v, str):
        return [v.upper(), v + " ", "-" + v, v + "^", v.title(), v.replace("'", '"'), v + "x",
                5, [v], ""]
    if isinstance(v, list):
        out = [list(reversed(v)), v[:-1], v + v[:1], str(v), [str(x) for x in v],
               [float(x) if isinstance(x, int) and not isinstance(x, bool) else x for x in v]]
        if v and isinstance(v[0], dict):
            out.append([{**d, "zzz": 1} for d in v])
        return out
    if isinstance(v, dict):
        out = [str(v), {**v, "zzz": "x"}]
        for k, x in v.items():
            rest = {kk: xx for kk, xx in v.items() if kk != k}
            out += [rest, {**v, k: "wrong"}]
            if isinstance(x, str):
                out.append({**v, k: x.upper()})
        return out
    return [1, "x"]


def mutate_call(rng, functions, call, kind):
    """One mutation of a (correct) call; None if it does not apply."""
    c = copy.deepcopy(call)
    args = c["arguments"]
    schema = schema_of(functions, c["name"])
    if kind == "wrong_name":
        others = [f["name"] for f in functions if f["name"] != c["name"]]
        c["name"] = rng.choice(others) if others and rng.random() < 0.5 else c["name"] + "_v2"
    elif kind == "missing_required":
        req = [p for p in schema.get("required", []) if p in args]
        if not req:
            return None
        del args[rng.choice(req)]
    elif kind == "extra_param":
        extra = [p for p in schema["properties"] if p not in args]
        args[rng.choice(extra) if extra and rng.random() < 0.5 else "extra_arg"] = 1
    elif kind == "missing_optional":
        gt_only = [p for p in args if p not in schema.get("required", [])]
        if not gt_only:
            return None
        del args[rng.choice(gt_only)]
    elif kind in ("type", "fuzz"):
        if not args:
            return None
        structured = [p for p, v in args.items() if isinstance(v, (list, dict, str))]
        p = rng.choice(structured if structured and rng.random() < 0.6 else list(args))
        pool = type_variants(args[p]) if kind == "type" else FUZZ
        args[p] = copy.deepcopy(rng.choice(pool))
    elif kind == "not_object":
        c["arguments"] = rng.choice(["x", [1], None, 3])
    return c


def cases_for(rng, category, entry, gt):
    """(kind, calls, underscore_to_dot) cases for one entry."""
    fns = entry["function"]
    if category == "irrelevance":
        f = fns[0]
        args = {p: 1 for p in f["parameters"].get("required", [])}
        return [("no_call", [], False), ("call", [{"name": f["name"], "arguments": args}], False),
                ("not_object", [{"name": f["name"], "arguments": "x"}], False)]
    good = [correct_call(rng, fns, g) for g in gt]
    out = [("correct", good, False),
           ("correct_all_params", [correct_call(rng, fns, g, 0.0) for g in gt], False)]
    i = rng.randrange(len(good))
    kinds = ["wrong_name", "missing_required", "missing_optional", "extra_param", "type",
             "type", "type", "type", "fuzz", "fuzz", "not_object"]
    for kind in rng.sample(kinds, 5):
        m = mutate_call(rng, fns, good[i], kind)
        if m is not None:
            out.append((kind, good[:i] + [m] + good[i + 1:], False))
    if len(good) > 1:
        shuffled = good[:]
        rng.shuffle(shuffled)
        out += [("shuffled", shuffled, False), ("drop_call", good[:-1], False)]
    out.append(("extra_call", good + [good[-1]], False))
    if rng.random() < 0.2:
        out.append(("no_call", [], False))
    if any("." in c["name"] for c in good):
        under = [{**c, "name": c["name"].replace(".", "_")} for c in good]
        out += [("underscore", under, True), ("dotted_for_underscore", good, True)]
    return out


STRUCTURED = {"dict", "tuple", "any", "array/dict", "array/array", "array/float",
              "array/integer", "tuple/float"}


def structured_cases(rng, entry, gt):
    """Every variant of each dict/tuple/any/typed-array argument of one call."""
    fns = entry["function"]
    good = [correct_call(rng, fns, g, 0.0) for g in gt]
    out = []
    for i, call in enumerate(good):
        props = schema_of(fns, call["name"])["properties"]
        for p, v in call["arguments"].items():
            d = props.get(p, {})
            t = d.get("type", "")
            if t in ("array", "tuple"):
                t += "/" + d.get("items", {}).get("type", "")
            if t not in STRUCTURED:
                continue
            for variant in type_variants(v)[:8] + [rng.choice(FUZZ)]:
                m = copy.deepcopy(call)
                m["arguments"][p] = copy.deepcopy(variant)
                out.append(("structured:" + t, good[:i] + [m] + good[i + 1:], False))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wheel", type=Path, help="bfcl_eval wheel (downloaded if absent)")
    ap.add_argument("--out", type=Path, default=Path("runtime/bfcl/tests/fixtures/verdicts.jsonl"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        wheel = args.wheel
        if wheel is None:
            subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                            "--disable-pip-version-check", "-d", str(tmp / "dl"), SPEC],
                           check=True)
            wheel = next((tmp / "dl").glob("*.whl"))
        official = load_checker(wheel, tmp / "wheel")
        rng = random.Random(20260323)
        lines = []
        for category in AST_CATEGORIES + ["irrelevance"]:
            entries = read_jsonl(tmp / "wheel", f"BFCL_v4_{category}.json")
            answers = (read_jsonl(tmp / "wheel", f"possible_answer/BFCL_v4_{category}.json")
                       if category != "irrelevance" else [{}] * len(entries))
            chosen = sorted(rng.sample(range(len(entries)), PER_CATEGORY[category]))
            if category in ("simple_python", "multiple"):  # parallel: too long per case
                chosen += [k for k in range(len(entries)) if k not in chosen]
            for n, k in enumerate(chosen):
                entry, gt = entries[k], answers[k].get("ground_truth")
                cases = (cases_for(rng, category, entry, gt) if n < PER_CATEGORY[category]
                         else structured_cases(rng, entry, gt))
                for kind, calls, underscore in cases:
                    valid, etype, errors = official(category, entry, gt, calls, underscore)
                    lines.append({"category": category, "id": entry["id"], "kind": kind,
                                  "calls": calls, "underscore_to_dot": underscore,
                                  "valid": valid, "error_type": etype, "errors": errors})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w") as f:
        for line in lines:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    counts = {}
    for line in lines:
        key = line["error_type"] or "valid"
        counts[key] = counts.get(key, 0) + 1
    print(f"{len(lines)} cases -> {args.out}")
    for key, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"  {n:5d}  {key}")


if __name__ == "__main__":
    main()
