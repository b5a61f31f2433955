#!/usr/bin/env python3
"""Generates runtime/bfcl/tests/fixtures/verdicts.jsonl: verdicts of the official BFCL
AST checker (PyPI `bfcl-eval==2026.3.23`) on model outputs built by mutating
the ground truths of every single-turn AST category of BFCL v4 systematically
(Python, Java and JavaScript; non-live and live; irrelevance and relevance).
Java and JavaScript arguments are source strings: the ground truth is rendered
as Java/JS source and the strings are mutated too.

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
EXCEPTION = "ast_checker:exception"
# entries sampled per category, in this order (parallel verdicts are long:
# keep the file a few hundred KB); None = every entry
PER_CATEGORY = {"simple_python": 25, "simple_java": 20, "simple_javascript": 15,
                "multiple": 15, "parallel": 4, "parallel_multiple": 4, "irrelevance": 12,
                "live_simple": 18, "live_multiple": 12, "live_parallel": 2,
                "live_parallel_multiple": 2, "live_irrelevance": 12, "live_relevance": None}
# categories whose unsampled entries (this many) still get variants of their
# dict/tuple/typed-array arguments (structured_cases)
STRUCTURED_SWEEP = {"simple_python": 30, "multiple": 15, "live_simple": 15, "live_multiple": 12}
# Java/JS types whose source strings the converters parse; entries with an
# argument of one of these are sampled first
SOURCE_TYPES = {"Array", "ArrayList", "HashMap", "long", "double", "float", "integer", "boolean",
                "Boolean", "array", "dict", "Bigint"}
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
    from bfcl_eval.utils import (is_empty_output, is_function_calling_format_output, is_java,
                                 is_js)

    def official(category, entry, gt, calls, underscore):
        """The glue of eval_runner._evaluate_single_{ast,relevance}_entry (after a
        successful decode) and of ast_file_runner (the language)."""
        decoded = [{c["name"]: c["arguments"]} for c in calls]
        if "irrelevance" in category:
            if is_empty_output(decoded):
                return True, None, []
            msg = "Valid syntax. Successfully decode AST when it should not."
            return False, "irrelevance_error:decoder_success", [msg]
        if "relevance" in category:
            if not is_empty_output(decoded):
                return True, None, []
            msg = "Invalid syntax. Failed to decode AST when it should have. None"
            return False, "relevance_error:decoder_failed", [msg]
        if not is_function_calling_format_output(decoded):
            msg = ("Did not output in the specified format. Note: the model_result "
                   "is wrapped in a string to ensure json serializability.")
            return False, "ast_decoder:decoder_wrong_output_format", [msg]
        model = MODEL_UNDERSCORE if underscore else MODEL_DOT
        try:
            language = (Language.JAVA if is_java(category) else
                        Language.JAVASCRIPT if is_js(category) else Language.PYTHON)
            r = ast_checker(copy.deepcopy(entry["function"]), decoded, copy.deepcopy(gt),
                            language, category, model)
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


# ---- Java and JavaScript: arguments are source strings ------------------------

SOURCE_FUZZ = ["", " ", "null", "true", "false", "0", "-1", "7L", "7l", "2.5", "2.5f", "1e3",
               "1e999", "99999999999999999999999", "1_000", "0x10", "5n", "5n\n", "7\n", "'c'",
               '"s"', "'s'", "abc", "new int[]{}", "new int[]{1, 2}", "new String[]{a, b}",
               "new ArrayList<>()", 'new ArrayList<>(Arrays.asList("a", "b"))',
               "new ArrayList<Integer>() {{ add(1); add(2); }}", "new HashMap<>()",
               'new HashMap<String, Object>() {{ put("a", 1); put("b", "x"); }}',
               "[]", "[1, 2]", "['a', \"b\"]", "new Array(1, 2)", "[[1, 2], [3]]", "{}",
               "{a: 1, b: 'x'}", "{'a': [1, 2], 'b': {c: 1}}", "{a: 1, 2, b: x}", "Infinity", "NaN",
               "\u0663", "\U0001d7d7.5", "7\u00a0", "\u2003x\u00ad"]
NON_STRINGS = [5, 2.5, True, None, ["x"], {"a": 1}]


def java_literal(t, v):
    """Java source of a value of Java type t (elements of collections too)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v
    if t == "long":
        return f"{v}L"
    if t == "float":
        return f"{v}f"
    if t == "double":
        return repr(float(v))
    return str(v)


def render_java(rng, t, item_type, v):
    if isinstance(v, str) or t in ("String", "any", "char"):
        return v if isinstance(v, str) else str(v)
    if t == "Array" and isinstance(v, list):
        elems = ", ".join(java_literal(item_type, x) for x in v)
        return f"new {item_type or 'Object'}[]{{{elems}}}"
    if t == "ArrayList" and isinstance(v, list):
        lit = [f'"{x}"' if item_type == "String" else java_literal(item_type, x) for x in v]
        if rng.random() < 0.5:
            return f"new ArrayList<>(Arrays.asList({', '.join(lit)}))"
        return "new ArrayList<Object>() {{ " + " ".join(f"add({x});" for x in lit) + " }}"
    if t == "HashMap" and isinstance(v, dict):
        puts = []
        for k, allowed in v.items():
            x = rng.choice([a for a in allowed if a != ""] or [""])
            lit = f'"{x}"' if isinstance(x, str) else java_literal("", x)
            puts.append(f'put("{k}", {lit});')
        return "new HashMap<String, Object>() {{ " + " ".join(puts) + " }}"
    return java_literal(t, v)


def js_literal(v, quote='"'):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f"{quote}{v}{quote}"
    if isinstance(v, list):
        return "[" + ", ".join(js_literal(x, quote) for x in v) + "]"
    return str(v)


def render_js(rng, t, item_type, v):
    quote = rng.choice(['"', "'"])
    if t == "String" and isinstance(v, str):
        return rng.choice([v, f"{quote}{v}{quote}"])
    if isinstance(v, str) or t == "any":
        return v if isinstance(v, str) else str(v)
    if t == "Bigint":
        return f"{v}n"
    if t == "array" and isinstance(v, list):
        elems = ", ".join(js_literal(x, quote) for x in v)
        return rng.choice([f"[{elems}]", f"new Array({elems})"])
    if t == "dict" and isinstance(v, dict):
        items = []
        for k, allowed in v.items():
            x = rng.choice([a for a in allowed if a != ""] or [""])
            items.append(f"{rng.choice([k, repr(k)])}: {js_literal(x, quote)}")
        return "{" + ", ".join(items) + "}"
    return js_literal(v, quote)


def source_call(rng, category, functions, gt_call, optional_drop=0.5):
    """A correct call of a Java/JS category: every argument as source text."""
    name, params = next(iter(gt_call.items()))
    props = schema_of(functions, name)["properties"]
    render = render_java if is_java_category(category) else render_js
    args = {}
    for p, allowed in params.items():
        v = pick(rng, allowed, optional_drop)
        if v is None:
            continue
        d = props.get(p, {})
        args[p] = render(rng, d.get("type"), d.get("items", {}).get("type"), v[0])
    return {"name": name, "arguments": args}


def source_variants(s):
    """Mutations of one Java/JS source string."""
    out = [s.upper(), s.title(), " " + s, s + "\n", f'"{s}"', f"'{s}'", s[1:-1], s + "L",
           s + "f", s + "n", s + ".0", "-" + s, s.replace(", ", ","), s.replace(" ", "")]
    for a, b in [("Arrays.asList(", "List.of("), ("new ", "new  "), ("[", "[ "), (", ", ", , "),
                 ('"', "'"), ("{{", "{"), ("true", "True"), ("L", "")]:
        if a in s:
            out.append(s.replace(a, b, 1))
    return [v for v in out if v != s]


def is_java_category(category):
    return "java" in category and "javascript" not in category


def is_source_category(category):
    return category in ("simple_java", "simple_javascript")


def source_cases(rng, category, entry, gt):
    """Cases of one Java/JS entry: the generic call mutations, and mutated
    source strings and non-string values for each argument."""
    fns = entry["function"]
    good = [source_call(rng, category, fns, g) for g in gt]
    full = [source_call(rng, category, fns, g, 0.0) for g in gt]
    out = [("correct", good, False), ("correct_all_params", full, False)]
    kind = rng.choice(["wrong_name", "missing_required", "missing_optional", "extra_param",
                       "not_object", "extra_call"])
    m = mutate_call(rng, fns, good[0], kind) if kind != "extra_call" else None
    out.append((kind, [m] if m else good + good, False))
    props = schema_of(fns, full[0]["name"])["properties"]
    typed = [p for p in full[0]["arguments"] if props.get(p, {}).get("type") in SOURCE_TYPES]
    others = [p for p in full[0]["arguments"] if p not in typed]
    focus = typed + rng.sample(others, min(len(others), max(0, 2 - len(typed))))
    for p in focus:
        v = full[0]["arguments"][p]
        t = props.get(p, {}).get("type", "")
        variants = source_variants(v)
        pool = rng.sample(variants, min(3, len(variants))) + [rng.choice(SOURCE_FUZZ)]
        if rng.random() < 0.3:
            pool.append(rng.choice(NON_STRINGS))
        for variant in pool:
            m = copy.deepcopy(full[0])
            m["arguments"][p] = variant
            out.append(("source:" + t, [m], False))
    return out


def cases_for(rng, category, entry, gt):
    """(kind, calls, underscore_to_dot) cases for one entry."""
    fns = entry["function"]
    if is_source_category(category):
        return source_cases(rng, category, entry, gt)
    if "relevance" in category:  # irrelevance, live_irrelevance, live_relevance
        f = fns[0] if fns else {"name": "not_offered", "parameters": {}}
        args = {p: 1 for p in f["parameters"].get("required", [])}
        return [("no_call", [], False), ("call", [{"name": f["name"], "arguments": args}], False),
                ("not_object", [{"name": f["name"], "arguments": "x"}], False)]
    good = [correct_call(rng, fns, g) for g in gt]
    out = [("correct", good, False),
           ("correct_all_params", [correct_call(rng, fns, g, 0.0) for g in gt], False)]
    i = rng.randrange(len(good))
    kinds = ["wrong_name", "missing_required", "missing_optional", "extra_param", "type",
             "type", "type", "type", "fuzz", "fuzz", "not_object"]
    for kind in rng.sample(kinds, 4):
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
            for variant in type_variants(v)[:5] + [rng.choice(FUZZ)]:
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
        for category, per in PER_CATEGORY.items():
            entries = read_jsonl(tmp / "wheel", f"BFCL_v4_{category}.json")
            answers = (read_jsonl(tmp / "wheel", f"possible_answer/BFCL_v4_{category}.json")
                       if "relevance" not in category else [{}] * len(entries))
            per = len(entries) if per is None else per
            if is_source_category(category):
                typed = [k for k, e in enumerate(entries)
                         if any(d.get("type") in SOURCE_TYPES for d in
                                e["function"][0]["parameters"]["properties"].values())]
                rest = [k for k in range(len(entries)) if k not in typed]
                pick_first = rng.sample(typed, min(per, len(typed)))
                chosen = sorted(pick_first + rng.sample(rest, per - len(pick_first)))
            else:
                chosen = sorted(rng.sample(range(len(entries)), per))
            if category in STRUCTURED_SWEEP:  # parallel: too long per case
                rest = [k for k in range(len(entries)) if k not in chosen]
                chosen += rng.sample(rest, min(len(rest), STRUCTURED_SWEEP[category]))
            for n, k in enumerate(chosen):
                entry, gt = entries[k], answers[k].get("ground_truth")
                assert "relevance" in category or answers[k]["id"] == entry["id"]
                cases = (cases_for(rng, category, entry, gt) if n < per
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
