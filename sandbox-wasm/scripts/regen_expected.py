#!/usr/bin/env python3
"""Regenerate sandbox-wasm/corpus/expected.json by running every corpus
snippet under CPython.

Snippets live in sandbox-wasm/corpus/*.py, separated by lines that are exactly
`# ----`; a snippet's id is `<file stem>:<index>`. For each we record stdout
and the uncaught exception (type name, str(message), line in the snippet).

    regen_expected.py           rewrite expected.json
    regen_expected.py --check   exit 1 if expected.json is stale (only when
                                the running CPython minor version matches)
    regen_expected.py --run F   run the JSON list of programs in F, print results
"""
import contextlib
import io
import json
import pathlib
import sys
import traceback

HERE = pathlib.Path(__file__).resolve().parent.parent / "corpus"
OUT = HERE / "expected.json"
SEP = "# ----"


def snippets():
    for path in sorted(HERE.glob("*.py")):
        parts, cur = [], []
        for line in path.read_text().split("\n"):
            if line == SEP:
                parts.append("\n".join(cur))
                cur = []
            else:
                cur.append(line)
        parts.append("\n".join(cur))
        for i, src in enumerate(parts):
            yield f"{path.stem}:{i}", src.strip("\n") + "\n"


def run(src):
    buf = io.StringIO()
    error = None
    sys.setrecursionlimit(1000)
    try:
        code = compile(src, "<snippet>", "exec")
        with contextlib.redirect_stdout(buf):
            exec(code, {"__name__": "__main__"})
    except SyntaxError as e:
        error = {"kind": type(e).__name__, "message": e.msg, "line": e.lineno}
    except BaseException as e:  # noqa: BLE001 - we record every exception
        line = None
        for frame, lineno in traceback.walk_tb(e.__traceback__):
            if frame.f_code.co_filename == "<snippet>":
                line = lineno
        if isinstance(e, SystemExit) and e.code in (None, 0):
            error = None
        else:
            error = {"kind": type(e).__name__, "message": str(e), "line": line}
    return {"stdout": buf.getvalue(), "error": error}


def build():
    cases = {name: dict(run(src), source=src) for name, src in snippets()}
    v = sys.version_info
    return {"python": f"{v.major}.{v.minor}", "cases": cases}


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--run":
        # run a JSON list of programs (used by the random-program test)
        progs = json.loads(pathlib.Path(sys.argv[2]).read_text())
        print(json.dumps([run(p) for p in progs]))
        return 0
    data = build()
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if "--check" in sys.argv:
        old = json.loads(OUT.read_text()) if OUT.exists() else {}
        if old.get("python") != data["python"]:
            print(f"skip: expected.json is from CPython {old.get('python')}, running {data['python']}")
            return 0
        if old != data:
            print("expected.json is stale: run sandbox-wasm/scripts/regen_expected.py", file=sys.stderr)
            return 1
        print(f"expected.json is current ({len(data['cases'])} cases)")
        return 0
    OUT.write_text(text)
    print(f"wrote {OUT} ({len(data['cases'])} cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
