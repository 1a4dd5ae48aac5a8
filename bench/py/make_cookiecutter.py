"""Build a cookiecutter template that renders the same tree as `hardened-flask new` (defaults).

    python make_cookiecutter.py RENDERED_PROJECT OUT_TEMPLATE_DIR --project NAME --package PKG

RENDERED_PROJECT is a project the CLI just generated. Every file is copied into
OUT/{{cookiecutter.project_name}}/ with the project and package names (in paths and contents)
turned back into cookiecutter variables, and the development SECRET_KEY in .env into
``random_ascii_string(64)`` (cookiecutter's built-in extension), so cookiecutter does the same
kind of work the generator does: render every file, substitute names, make a key. Files that
contain Jinja syntax of their own (HTML templates, GitHub workflow expressions, f-strings with
doubled braces) are wrapped in {% raw %} with the variables spliced in between raw blocks, so
they are still rendered and come out byte-identical.
"""

import argparse
import json
import re
import shutil
from pathlib import Path

JINJA_OPENERS = ("{{", "{%", "{#")


def templatize(text: str, replacements: list[tuple[str, str]]) -> str:
    raw = any(opener in text for opener in JINJA_OPENERS)
    pattern = re.compile("|".join(re.escape(old) for old, _ in replacements))
    lookup = dict(replacements)
    if raw:
        if "{% endraw %}" in text:
            raise ValueError("a file contains {% endraw %}")
        body = pattern.sub(lambda m: "{% endraw %}" + lookup[m.group(0)] + "{% raw %}", text)
        return "{% raw %}" + body + "{% endraw %}"
    return pattern.sub(lambda m: lookup[m.group(0)], text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rendered")
    parser.add_argument("out")
    parser.add_argument("--project", required=True)
    parser.add_argument("--package", required=True)
    args = parser.parse_args()
    src, out = Path(args.rendered), Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    root = out / "{{cookiecutter.project_name}}"
    replacements = [
        (args.project, "{{cookiecutter.project_name}}"),
        (args.package, "{{cookiecutter.package_name}}"),
    ]
    files = 0
    size = 0
    for path in sorted(p for p in src.rglob("*") if p.is_file()):
        rel = path.relative_to(src).as_posix()
        for old, new in replacements:
            rel = rel.replace(old, new)
        text = path.read_text(encoding="utf-8")
        size += len(text.encode())
        if path.relative_to(src).as_posix() == ".env":
            text = re.sub(r"^(SECRET_KEY=)\S+$", r"\1{{ random_ascii_string(64) }}", text, flags=re.M)
            target_text = text.replace(args.project, replacements[0][1]).replace(args.package, replacements[1][1])
        else:
            target_text = templatize(text, replacements)
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(target_text, encoding="utf-8")
        shutil.copymode(path, target)  # .env stays 0600
        files += 1
    (out / "cookiecutter.json").write_text(
        json.dumps({"project_name": args.project, "package_name": args.package}, indent=2) + "\n"
    )
    print(json.dumps({"files": files, "bytes": size}))


if __name__ == "__main__":
    main()
