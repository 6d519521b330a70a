"""Force use_libuv=False in every TCPStore(...) call of the given files.

Debian's python3-torch is built without libuv, but TCPStore defaults to it,
so torchrun's static and c10d rendezvous fail with "use_libuv was requested
but PyTorch was build without libuv support". The environment variable
USE_LIBUV=0 is not honoured on every path, so the calls are patched instead.
"""

import re
import sys


def patch_source(text: str) -> tuple[str, int]:
    out = []
    pos = 0
    count = 0
    for match in re.finditer(r"\bTCPStore\(", text):
        start = match.end()
        line_start = text.rfind("\n", 0, match.start()) + 1
        line = text[line_start:match.start()]
        if line.lstrip().startswith(("def ", "class ", "#", "import", "from")):
            continue
        depth = 1
        i = start
        while depth and i < len(text):
            if text[i] == "(":
                depth += 1
            elif text[i] == ")":
                depth -= 1
            i += 1
        close = i - 1
        args = text[start:close]
        if "use_libuv=" in args:
            new_args = re.sub(r"use_libuv=[^,)\n]+", "use_libuv=False", args)
        elif args.rstrip().endswith(","):
            new_args = args.rstrip() + " use_libuv=False"
        elif args.strip():
            new_args = args + ", use_libuv=False"
        else:
            new_args = "use_libuv=False"
        out.append(text[pos:start])
        out.append(new_args)
        pos = close
        count += 1
    out.append(text[pos:])
    return "".join(out), count


def main() -> int:
    total = 0
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        new_text, count = patch_source(text)
        compile(new_text, path, "exec")
        with open(path, "w", encoding="utf-8") as f:
            f.write(new_text)
        print(f"  patched {count} TCPStore call(s) in {path}")
        total += count
    if total == 0:
        print("no TCPStore call found; torch's layout changed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
