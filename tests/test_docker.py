"""Static checks of the container files: docker/Dockerfile, docker/compose.yaml, .dockerignore.

No Docker engine and no network: the Dockerfile is read with a small instruction parser,
compose.yaml with a strict reader for the YAML subset it is written in (PyYAML is not a
dependency), and .dockerignore with Docker's own matching rules.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shlex
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from functools import cache
from pathlib import Path
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "docker" / "Dockerfile"
COMPOSE = ROOT / "docker" / "compose.yaml"
DOCKERIGNORE = ROOT / ".dockerignore"
PYPROJECT = ROOT / "pyproject.toml"

BASE_IMAGE = "python:3.11-slim"
PORT = 8000


# ---------------------------------------------------------------------------
# Dockerfile
# ---------------------------------------------------------------------------


@dataclass
class Instruction:
    keyword: str  # upper case, e.g. "COPY"
    args: str  # everything after the keyword, continuation lines joined
    line: int  # where the instruction starts (1-based)

    def flags_and_rest(self) -> tuple[dict[str, str], str]:
        """Split leading ``--name=value`` flags (COPY, ADD, RUN, FROM, HEALTHCHECK) off."""
        flags: dict[str, str] = {}
        rest = self.args
        while rest.startswith("--"):
            token, _, rest = rest.partition(" ")
            name, _, value = token[2:].partition("=")
            flags[name] = value
            rest = rest.lstrip()
        return flags, rest

    def exec_form(self, text: str | None = None) -> list[str] | None:
        """The JSON array of an exec-form instruction, or None for shell form."""
        text = self.args if text is None else text
        if not text.startswith("["):
            return None
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return None  # Docker falls back to shell form too
        if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            return None
        return value


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> Instruction | None:
        found = self.all(keyword)
        return found[-1] if found else None

    def env(self) -> dict[str, str]:
        return env_of(self.instructions)


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions of a Dockerfile: comments dropped, ``\\`` continuations joined."""
    instructions: list[Instruction] = []
    parts: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        # Comment lines are dropped, also between continuation lines (as Docker does).
        if not stripped or stripped.startswith("#"):
            continue
        if not parts:
            start = number
        if stripped.endswith("\\"):
            parts.append(stripped[:-1].strip())
            continue
        parts.append(stripped)
        joined = " ".join(p for p in parts if p)
        parts = []
        keyword, _, args = joined.partition(" ")
        if "<<" in args and keyword.upper() in ("RUN", "COPY", "ADD"):
            raise ValueError(f"line {start}: heredocs are not supported by this parser")
        instructions.append(Instruction(keyword.upper(), args.strip(), start))
    if parts:
        raise ValueError("Dockerfile ends inside a line continuation")
    return instructions


def stages_of(instructions: list[Instruction]) -> list[Stage]:
    stages: list[Stage] = []
    for ins in instructions:
        if ins.keyword == "FROM":
            _, rest = ins.flags_and_rest()
            words = rest.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            if len(words) not in (1, 3) or (len(words) == 3 and name is None):
                raise ValueError(f"line {ins.line}: cannot read FROM {ins.args!r}")
            stages.append(Stage(words[0], name))
        elif stages:
            stages[-1].instructions.append(ins)
        elif ins.keyword != "ARG":
            raise ValueError(f"line {ins.line}: {ins.keyword} before the first FROM")
    return stages


def env_of(instructions: list[Instruction]) -> dict[str, str]:
    env: dict[str, str] = {}
    for ins in instructions:
        if ins.keyword != "ENV":
            continue
        words = shlex.split(ins.args)
        if words and "=" not in words[0]:  # legacy form: ENV NAME value with spaces
            env[words[0]] = ins.args.split(None, 1)[1] if len(words) > 1 else ""
            continue
        for word in words:
            name, sep, value = word.partition("=")
            if not sep:
                raise ValueError(f"line {ins.line}: cannot read ENV {ins.args!r}")
            env[name] = value
    return env


@dataclass
class Copy:
    sources: list[str]
    dest: str
    flags: dict[str, str]
    line: int


def copy_of(ins: Instruction) -> Copy:
    flags, rest = ins.flags_and_rest()
    words = ins.exec_form(rest) or rest.split()
    if len(words) < 2:
        raise ValueError(f"line {ins.line}: {ins.keyword} needs a source and a destination")
    return Copy(words[:-1], words[-1], flags, ins.line)


@cache
def dockerfile_stages() -> list[Stage]:
    return stages_of(parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8")))


def build_stage() -> Stage:
    stages = dockerfile_stages()
    assert len(stages) >= 2, "the Dockerfile should be multi-stage: build, then runtime"
    return stages[0]


def runtime_stage() -> Stage:
    return dockerfile_stages()[-1]


def context_copies() -> Iterator[tuple[Stage, Copy]]:
    """COPY/ADD instructions that read from the build context (no ``--from=``)."""
    for stage in dockerfile_stages():
        for ins in stage.instructions:
            if ins.keyword in ("COPY", "ADD"):
                c = copy_of(ins)
                if "from" not in c.flags:
                    yield stage, c


# ---------------------------------------------------------------------------
# .dockerignore (Docker's rules: patterns relative to the context root, last match
# wins, "!" re-includes, a pattern matching a directory excludes what is inside it)
# ---------------------------------------------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out = ""
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            if pattern.startswith("**", i):
                i += 1
                if pattern.startswith("/", i + 1):  # "**/" is zero or more directories
                    i += 1
                    out += "(?:.*/)?"
                else:
                    out += ".*"
            else:
                out += "[^/]*"
        elif ch == "?":
            out += "[^/]"
        elif ch == "\\" and i + 1 < len(pattern):
            i += 1
            out += re.escape(pattern[i])
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                raise ValueError(f"bad .dockerignore pattern {pattern!r}")
            body = pattern[i + 1 : end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out += "[" + body + "]"
            i = end
        else:
            out += re.escape(ch)
        i += 1
    return re.compile(out + r"\Z")


def read_dockerignore(text: str) -> list[tuple[bool, re.Pattern[str]]]:
    rules: list[tuple[bool, re.Pattern[str]]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        if negate:
            line = line[1:].strip()
        line = str(PurePosixPath(line.lstrip("/")))  # Docker cleans the path
        rules.append((negate, _pattern_regex(line)))
    return rules


def is_ignored(rules: list[tuple[bool, re.Pattern[str]]], path: str) -> bool:
    parts = PurePosixPath(path).parts
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    ignored = False
    for negate, regex in rules:
        if any(regex.match(c) for c in candidates):
            ignored = not negate
    return ignored


# Names checked under every copied directory, besides the files it holds now.
PROBES = ("probe", "probe.py", "probe.ttl", "probe.sql", "probe.csv", "probe.json", "sub/probe.txt")


def _is_cache_artifact(path: Path) -> bool:
    return "__pycache__" in path.parts or path.suffix in (".pyc", ".pyo")


def copy_source_paths(source: str) -> list[Path]:
    norm = source.strip("/") or "."
    if any(ch in norm for ch in "*?["):
        return sorted(ROOT.glob(norm))
    path = ROOT / norm
    return [path] if path.exists() else []


# ---------------------------------------------------------------------------
# compose.yaml: a strict reader for a YAML subset (block mappings and sequences,
# one-line flow sequences, plain and quoted scalars, comments). Anything else is
# an error rather than a guess. Plain scalars resolve as YAML 1.1 does (PyYAML and
# Docker's documentation), so a bare yes/no/on/off is a boolean here too.
# ---------------------------------------------------------------------------


class YamlSubsetError(ValueError):
    pass


_BOOL = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "on", "On", "ON"), True),
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "off", "Off", "OFF"), False),
    **dict.fromkeys(("false", "False", "FALSE"), False),
}
_NULL = ("", "~", "null", "Null", "NULL")
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9_]*)\Z")
_SEXAGESIMAL = re.compile(r"[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+\Z")
_FLOAT = re.compile(r"[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+][0-9]+)?\Z")


def _strip_comment(line: str, number: int) -> str:
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"" and (i == 0 or line[i - 1] in " \t[,:-"):
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    if quote:
        raise YamlSubsetError(f"line {number}: unterminated quote (multi-line scalars unsupported)")
    return line.rstrip()


def _split_outside_quotes(text: str, sep: str) -> list[str]:
    parts, quote, current = [], None, ""
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == sep:
            parts.append(current)
            current = ""
            continue
        current += ch
    parts.append(current)
    return parts


def _key_value(text: str) -> tuple[str, str] | None:
    """Split ``key: value`` at the first ``:`` outside quotes followed by a space or the end."""
    quote = None
    for i, ch in enumerate(text):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"" and i == 0:
            quote = ch
        elif ch == ":" and (i + 1 == len(text) or text[i + 1] == " "):
            return text[:i].strip(), text[i + 1 :].strip()
    return None


def _scalar(text: str, number: int) -> Any:
    text = text.strip()
    if text[:1] in ("&", "*", "!", "|", ">", "{", "%", "@", "`"):
        raise YamlSubsetError(f"line {number}: unsupported YAML construct {text!r}")
    if text.startswith("["):
        if not text.endswith("]"):
            raise YamlSubsetError(f"line {number}: flow sequences must be on one line")
        inner = text[1:-1].strip()
        if not inner:
            return []
        items = _split_outside_quotes(inner, ",")
        if any("[" in item.strip()[:1] for item in items):
            raise YamlSubsetError(f"line {number}: nested flow sequences unsupported")
        return [_scalar(item, number) for item in items]
    if text.startswith('"'):
        if len(text) < 2 or not text.endswith('"'):
            raise YamlSubsetError(f"line {number}: bad double-quoted scalar {text!r}")
        body = text[1:-1]
        if re.search(r'(?<!\\)(?:\\\\)*"', body):
            raise YamlSubsetError(f"line {number}: stray quote in {text!r}")
        try:
            return json.loads('"' + body + '"')
        except json.JSONDecodeError as err:
            raise YamlSubsetError(f"line {number}: unsupported escape in {text!r}") from err
    if text.startswith("'"):
        if len(text) < 2 or not text.endswith("'"):
            raise YamlSubsetError(f"line {number}: bad single-quoted scalar {text!r}")
        body = text[1:-1]
        if re.search(r"(?<!')'(?!')", body.replace("''", "")):
            raise YamlSubsetError(f"line {number}: stray quote in {text!r}")
        return body.replace("''", "'")
    if text in _NULL:
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.match(text):
        return int(text.replace("_", ""))
    if _SEXAGESIMAL.match(text):  # YAML 1.1: 22:22 is a base-60 integer
        sign = -1 if text.startswith("-") else 1
        value = 0
        for part in text.lstrip("+-").replace("_", "").split(":"):
            value = value * 60 + int(part)
        return sign * value
    if _FLOAT.match(text) and any(c.isdigit() for c in text):
        return float(text.replace("_", ""))
    if text.startswith(("- ", "? ", ": ")) or text in ("-", "?", ":"):
        raise YamlSubsetError(f"line {number}: unsupported YAML construct {text!r}")
    if ": " in text or " #" in text or text.endswith(":"):
        raise YamlSubsetError(f"line {number}: ambiguous plain scalar {text!r} (quote it)")
    return text


def load_yaml_subset(text: str) -> Any:
    lines: list[tuple[int, str, int]] = []  # (indent, content, line number)
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.strip() in ("---", "..."):
            raise YamlSubsetError(f"line {number}: multiple documents unsupported")
        content = _strip_comment(raw, number)
        if not content.strip():
            continue
        body = content.lstrip(" ")
        if body.startswith("\t"):
            raise YamlSubsetError(f"line {number}: tab in indentation")
        lines.append((len(content) - len(body), body, number))

    pos = 0

    def block(indent: int) -> Any:
        nonlocal pos
        if lines[pos][1].startswith("-") and lines[pos][1][1:2] in ("", " "):
            return sequence(indent)
        return mapping(indent)

    def value_after(indent: int, rest: str, number: int, seq_same_indent: bool) -> Any:
        nonlocal pos
        if rest:
            return _scalar(rest, number)
        if pos < len(lines):
            nxt_indent, nxt, _ = lines[pos]
            if nxt_indent > indent:
                return block(nxt_indent)
            if seq_same_indent and nxt_indent == indent and nxt[:2] in ("- ", "-"):
                return sequence(indent)
        return None

    def mapping(indent: int) -> dict[str, Any]:
        nonlocal pos
        result: dict[str, Any] = {}
        while pos < len(lines) and lines[pos][0] == indent:
            _, body, number = lines[pos]
            kv = _key_value(body)
            if kv is None or body.startswith("- "):
                raise YamlSubsetError(f"line {number}: expected 'key: value', got {body!r}")
            raw_key, rest = kv
            key = _scalar(raw_key, number)
            if not isinstance(key, str):
                raise YamlSubsetError(f"line {number}: key {raw_key!r} is not a string")
            if key in result:
                raise YamlSubsetError(f"line {number}: duplicate key {key!r}")
            pos += 1
            result[key] = value_after(indent, rest, number, seq_same_indent=True)
        if pos < len(lines) and lines[pos][0] > indent:
            raise YamlSubsetError(f"line {lines[pos][2]}: unexpected indentation")
        return result

    def sequence(indent: int) -> list[Any]:
        nonlocal pos
        result: list[Any] = []
        while pos < len(lines) and lines[pos][0] == indent and lines[pos][1][:2] in ("- ", "-"):
            _, body, number = lines[pos]
            rest = body[1:].strip()
            if rest and _key_value(rest) is not None and rest[:1] not in "[\"'":
                # "- key: value": a mapping whose keys sit two columns further in
                lines[pos] = (indent + 2, rest, number)
                result.append(mapping(indent + 2))
                continue
            pos += 1
            result.append(value_after(indent, rest, number, seq_same_indent=False))
        if pos < len(lines) and lines[pos][0] > indent:
            raise YamlSubsetError(f"line {lines[pos][2]}: unexpected indentation")
        return result

    if not lines:
        return None
    if lines[0][0] != 0:
        raise YamlSubsetError(f"line {lines[0][2]}: the document must start in column 0")
    document = block(0)
    if pos != len(lines):
        raise YamlSubsetError(f"line {lines[pos][2]}: could not read {lines[pos][1]!r}")
    return document


@cache
def compose() -> dict[str, Any]:
    document = load_yaml_subset(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(document, dict), "compose.yaml should be a mapping"
    return document


def service(name: str) -> dict[str, Any]:
    services = compose().get("services")
    assert isinstance(services, dict), "compose.yaml has no services mapping"
    assert name in services, f"compose.yaml has no {name!r} service"
    value = services[name]
    assert isinstance(value, dict), f"service {name!r} should be a mapping"
    return value


def environment(svc: dict[str, Any]) -> dict[str, Any]:
    env = svc.get("environment") or {}
    if isinstance(env, list):  # ["NAME=value", ...]
        env = dict(item.partition("=")[::2] for item in env)
    assert isinstance(env, dict)
    return env


@cache
def pyproject() -> dict[str, Any]:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))


def setting_env_names() -> set[str]:
    from odx_graph.core import config

    return {"ODX_" + f.name.upper() for f in dataclasses.fields(config.Settings)}


# ---------------------------------------------------------------------------
# Readers' own checks
# ---------------------------------------------------------------------------


def test_dockerfile_parser_joins_continuations_and_drops_comments() -> None:
    text = 'FROM a AS b\n# c\nRUN x \\\n  # inner comment\n  && y\nCMD ["p", "q"]\n'
    stages = stages_of(parse_dockerfile(text))
    assert [(s.image, s.name) for s in stages] == [("a", "b")]
    run, cmd = stages[0].instructions
    assert (run.keyword, run.args) == ("RUN", "x && y")
    assert cmd.exec_form() == ["p", "q"]


def test_dockerignore_matching_follows_docker_rules() -> None:
    rules = read_dockerignore("tests\n**/__pycache__\n*.md\n!README.md\n/docs/\n")
    assert is_ignored(rules, "tests/test_x.py")
    assert is_ignored(rules, "odx_graph/api/__pycache__/x.pyc")
    assert is_ignored(rules, "CHANGELOG.md")
    assert is_ignored(rules, "docs/docker.md")
    assert not is_ignored(rules, "README.md")
    assert not is_ignored(rules, "odx_graph/tests.py")
    assert not is_ignored(rules, "odx_graph/docs/x.md")  # *.md is anchored at the root


def test_yaml_subset_reader() -> None:
    text = (
        "a:\n"
        '  b: "x: #y"  # comment\n'
        "  c: [\"CMD\", 'it''s', 5s]\n"
        "  d:\n"
        '  - "8000:8000"\n'
        "  - 22:22\n"
        "  e: yes\n"
        "  f:\n"
        "    - g: 1\n"
        "      h: ~\n"
        "i:\n"
    )
    assert load_yaml_subset(text) == {
        "a": {
            "b": "x: #y",
            "c": ["CMD", "it's", "5s"],
            "d": ["8000:8000", 1342],
            "e": True,
            "f": [{"g": 1, "h": None}],
        },
        "i": None,
    }
    for bad in ("a: &x 1\n", "a: |\n  x\n", "a: 1\na: 2\n", "a:\n  b: 1\n   c: 2\n", "a: 'x\n"):
        with pytest.raises(YamlSubsetError):
            load_yaml_subset(bad)


def test_compose_reads_the_same_with_pyyaml_when_available() -> None:
    yaml = pytest.importorskip("yaml")
    assert yaml.safe_load(COMPOSE.read_text(encoding="utf-8")) == compose()


# ---------------------------------------------------------------------------
# Dockerfile
# ---------------------------------------------------------------------------


def test_stages_use_the_pinned_base_image() -> None:
    stages = dockerfile_stages()
    assert len(stages) >= 2, "expected a build stage and a runtime stage"
    names = {s.name for s in stages if s.name}
    for stage in stages:
        if stage.image in names:
            continue
        assert stage.image.split("@")[0] == BASE_IMAGE, f"FROM {stage.image}: use {BASE_IMAGE}"
    assert runtime_stage().image.split("@")[0] == BASE_IMAGE


def test_copy_sources_exist_in_the_context_and_are_not_dockerignored() -> None:
    assert DOCKERIGNORE.is_file(), "the build context (repository root) needs a .dockerignore"
    rules = read_dockerignore(DOCKERIGNORE.read_text(encoding="utf-8"))
    copies = list(context_copies())
    assert copies, "the Dockerfile copies nothing from the build context"
    for _, c in copies:
        for source in c.sources:
            assert not source.startswith(("http://", "https://", "git@")), source
            assert ".." not in PurePosixPath(source).parts, f"{source} leaves the context"
            assert source.strip("/") not in ("", "."), "copy only what the build needs, not ."
            paths = copy_source_paths(source)
            assert paths, f"line {c.line}: COPY source {source!r} does not exist in the repo"
            for path in paths:
                rel = path.relative_to(ROOT).as_posix()
                assert not is_ignored(rules, rel), f".dockerignore excludes COPY source {rel}"
                if path.is_dir():
                    for probe in PROBES:  # files that may not exist yet but will
                        assert not is_ignored(rules, f"{rel}/{probe}"), (
                            f".dockerignore excludes {rel}/{probe}"
                        )
                    for file in path.rglob("*"):
                        if file.is_file() and not _is_cache_artifact(file):
                            frel = file.relative_to(ROOT).as_posix()
                            assert not is_ignored(rules, frel), f".dockerignore excludes {frel}"


def test_build_stage_keeps_the_repository_layout() -> None:
    stage = build_stage()
    assert stage.last("WORKDIR") is not None, "the build stage should set a WORKDIR"
    for _, c in context_copies():
        dest = c.dest.rstrip("/") or "/"
        for source in c.sources:
            src = source.rstrip("/")
            if (ROOT / src).is_dir():
                # COPY dir/ . would spill the directory's contents into the WORKDIR
                assert dest == src, f"line {c.line}: COPY {source} {c.dest}; use COPY {src}/ {src}/"
            else:
                assert dest in (".", src), f"line {c.line}: COPY {source} {c.dest} moves the file"


def test_build_stage_copies_everything_the_wheel_is_built_from() -> None:
    copied = {s.strip("/") for _, c in context_copies() for s in c.sources}
    project = pyproject()
    needed = {"pyproject.toml"}
    readme = project["project"].get("readme")
    if isinstance(readme, str):
        needed.add(readme)
    elif isinstance(readme, dict) and "file" in readme:
        needed.add(readme["file"])
    wheel = project.get("tool", {}).get("hatch", {}).get("build", {}).get("targets", {})
    wheel = wheel.get("wheel", {})
    needed.update(p.strip("/") for p in wheel.get("packages", []))
    needed.update(p.strip("/") for p in wheel.get("force-include", {}))
    missing = {
        n for n in needed if not any(n == c or n.startswith(c.rstrip("/") + "/") for c in copied)
    }
    assert not missing, f"the build stage does not COPY {sorted(missing)}"


def test_build_stage_builds_a_wheel() -> None:
    runs = " ".join(i.args for i in build_stage().all("RUN"))
    assert re.search(r"\bpip wheel\b", runs), f"the build stage builds no wheel: {runs}"


def test_runtime_stage_installs_the_wheel_only() -> None:
    stage = runtime_stage()
    own = [c for s, c in context_copies() if s is stage]
    assert not own, f"the runtime stage copies from the build context: {own}"
    runs = [i.args for i in stage.all("RUN")]
    installs = [r for r in runs if re.search(r"pip install\b", r)]
    assert installs, "the runtime stage installs nothing"
    for r in installs:
        assert "--no-index" in r, "runtime pip install should use the build stage's wheels only"
    build = build_stage()
    refs = {"0"} | ({build.name} if build.name else set())
    mounts = {m for r in runs for m in re.findall(r"--mount=\S*\bfrom=([^,\s]+)", r)}
    copied = {copy_of(i).flags.get("from") for i in stage.all("COPY")}
    assert refs & (mounts | copied), "the runtime stage takes nothing from the build stage"
    for r in runs:
        assert not re.search(r"apt-get install|apk add|gcc|build-essential", r), r


def test_runtime_stage_runs_as_non_root() -> None:
    user = runtime_stage().last("USER")
    assert user is not None, "the runtime stage has no USER: it would run as root"
    name = user.args.split(":")[0].strip()
    assert name not in ("root", "0", ""), f"USER {user.args} is root"


def test_cmd_is_exec_form_running_serve_from_a_declared_console_script() -> None:
    stage = runtime_stage()
    assert stage.last("ENTRYPOINT") is None, "an ENTRYPOINT would change what CMD means"
    cmd = stage.last("CMD")
    assert cmd is not None, "the runtime stage has no CMD"
    argv = cmd.exec_form()
    assert argv is not None, f"CMD {cmd.args} is shell form: signals would go to /bin/sh"
    assert argv == ["odx-graph", "serve"], argv
    scripts = pyproject()["project"].get("scripts", {})
    assert argv[0] in scripts, f"{argv[0]} is not in pyproject.toml [project.scripts]"
    stop = stage.last("STOPSIGNAL")
    assert stop is not None, "set STOPSIGNAL SIGTERM"
    assert stop.args == "SIGTERM"


def test_healthcheck_uses_python_against_healthz() -> None:
    check = runtime_stage().last("HEALTHCHECK")
    assert check is not None, "the runtime stage has no HEALTHCHECK"
    flags, rest = check.flags_and_rest()
    assert rest.upper() != "NONE"
    assert rest.startswith("CMD "), f"HEALTHCHECK {check.args}"
    argv = check.exec_form(rest[4:].strip())
    assert argv is not None, "HEALTHCHECK CMD should be exec form"
    assert argv[:2] == ["python", "-c"], "slim images have no curl: use python"
    assert "urllib.request" in argv[2]
    assert "/healthz" in argv[2]
    assert "127.0.0.1" in argv[2]
    compile(argv[2], "<healthcheck>", "exec")
    assert {"interval", "timeout", "retries"} <= flags.keys()


def test_runtime_environment_and_port() -> None:
    stage = runtime_stage()
    env = stage.env()
    assert env.get("ODX_HOST") == "0.0.0.0", "the server must listen on all interfaces"
    assert env.get("PYTHONUNBUFFERED") == "1"
    assert env.get("ODX_PORT", str(PORT)) == str(PORT)
    exposed = {p.split("/")[0] for i in stage.all("EXPOSE") for p in i.args.split()}
    assert str(PORT) in exposed


# ---------------------------------------------------------------------------
# compose.yaml
# ---------------------------------------------------------------------------


def test_compose_has_no_obsolete_version_key() -> None:
    assert "version" not in compose()


def test_compose_services() -> None:
    assert {"db", "server"} <= set(compose()["services"])


def test_db_service() -> None:
    db = service("db")
    assert db.get("image") == "postgres:16"
    env = environment(db)
    for name in ("POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"):
        assert env.get(name), f"db should set {name}"
    check = db.get("healthcheck")
    assert isinstance(check, dict), "db needs a healthcheck for server's depends_on"
    test = check.get("test")
    assert isinstance(test, list), test
    assert test[0] in ("CMD", "CMD-SHELL"), test
    words = test[1:] if test[0] == "CMD" else shlex.split(test[1])
    assert words[0] == "pg_isready"
    assert words[words.index("-U") + 1] == env["POSTGRES_USER"]
    assert words[words.index("-d") + 1] == env["POSTGRES_DB"]
    assert {"interval", "timeout", "retries"} <= check.keys()


def test_db_data_is_on_a_declared_named_volume() -> None:
    mounts = service("db").get("volumes") or []
    data = [m for m in mounts if str(m).split(":")[1:2] == ["/var/lib/postgresql/data"]]
    assert data, "db should keep /var/lib/postgresql/data on a volume"
    name = data[0].split(":")[0]
    assert not name.startswith((".", "/", "~")), "use a named volume, not a bind mount"
    declared = compose().get("volumes")
    assert isinstance(declared, dict), "compose.yaml declares no volumes"
    assert name in declared, f"volume {name!r} is not declared"
    for m in mounts:
        src = m.split(":")[0]
        if not src.startswith((".", "/", "~")):
            assert src in declared, f"volume {src!r} is not declared at the top level"


def test_server_builds_the_real_dockerfile() -> None:
    build = service("server").get("build")
    assert isinstance(build, dict), "server.build should give context and dockerfile"
    context = (COMPOSE.parent / build["context"]).resolve()
    assert context == ROOT, f"build context {build['context']} is not the repository root"
    assert (context / build.get("dockerfile", "Dockerfile")).resolve() == DOCKERFILE.resolve()
    rules = read_dockerignore((context / ".dockerignore").read_text(encoding="utf-8"))
    assert rules, "the build context has no .dockerignore"


def test_server_waits_for_a_healthy_db() -> None:
    depends = service("server").get("depends_on")
    assert isinstance(depends, dict), "depends_on should be the long form with a condition"
    assert depends.get("db", {}).get("condition") == "service_healthy"


def test_server_service_settings() -> None:
    server = service("server")
    assert server.get("restart") == "unless-stopped"
    assert server.get("stop_grace_period") == "30s"
    ports = server.get("ports") or []
    for p in ports:
        assert isinstance(p, str), f"quote ports (YAML 1.1 reads 22:22 as a number): {p!r}"
    assert f"{PORT}:{PORT}" in ports
    check = server.get("healthcheck")
    assert isinstance(check, dict), "server needs a healthcheck"
    test = check["test"]
    assert isinstance(test, list), test
    assert test[:3] == ["CMD", "python", "-c"], test
    assert "/readyz" in test[3]
    assert f"127.0.0.1:{PORT}" in test[3]
    compile(test[3], "<healthcheck>", "exec")
    assert {"interval", "timeout", "retries"} <= check.keys()


def test_server_database_url_points_at_the_db_service() -> None:
    env = environment(service("server"))
    db_env = environment(service("db"))
    url = urlsplit(env["ODX_DATABASE_URL"])
    assert url.scheme in ("postgresql", "postgres")
    assert url.hostname == "db", "the server reaches PostgreSQL by its service name"
    assert (url.port or 5432) == 5432
    assert url.username == db_env["POSTGRES_USER"]
    assert url.password == db_env["POSTGRES_PASSWORD"]
    assert url.path.lstrip("/") == db_env["POSTGRES_DB"]


def test_compose_environment_values_are_strings() -> None:
    for name in ("db", "server"):
        for key, value in environment(service(name)).items():
            assert isinstance(value, str), f"{name}: {key}={value!r} is not a string (quote it)"
    assert environment(service("server")).get("ODX_DEMO") in ("auto", "yes", "no")


# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------


def container_environment() -> dict[str, str]:
    env = dict(runtime_stage().env())
    env.update({k: str(v) for k, v in environment(service("server")).items()})
    return env


def test_every_odx_variable_is_a_known_setting() -> None:
    known = setting_env_names()
    used = {k for k in container_environment() if k.startswith("ODX_")}
    used |= {k for k in build_stage().env() if k.startswith("ODX_")}
    assert used, "neither the Dockerfile nor compose.yaml sets any ODX_ variable"
    unknown = used - known
    assert not unknown, f"not settings of odx_graph.core.config.Settings: {sorted(unknown)}"


def test_container_environment_is_valid_settings() -> None:
    from odx_graph.core import config

    settings = config.Settings.from_env(container_environment())
    assert settings.host == "0.0.0.0"
    assert settings.port == PORT
    assert not settings.uses_embedded_database


# ---------------------------------------------------------------------------
# The "scale" profile: two API servers, a primary, a streaming replica, a load balancer
# ---------------------------------------------------------------------------

NGINX = ROOT / "docker" / "nginx.conf"
SCALE = ("replica", "server-2", "balancer")
API_SERVERS = ("server", "server-2")


def _mounted(svc: dict[str, Any], target: str) -> Path:
    """The file of the repository bind-mounted at ``target`` in a service."""
    for mount in svc.get("volumes") or []:
        source, _, rest = str(mount).partition(":")
        if rest.split(":")[0] == target:
            assert source.startswith("./"), f"{target} should come from docker/"
            path = (COMPOSE.parent / source).resolve()
            assert path.is_file(), f"{source} does not exist"
            return path
    raise AssertionError(f"nothing is mounted at {target}")


def _nginx_directives(text: str) -> list[list[str]]:
    """Every directive of nginx.conf as its words (blocks flattened, comments dropped)."""
    body = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    return [shlex.split(d) for d in re.split(r"[;{}]", body) if d.strip()]


def test_the_scale_profile_adds_a_replica_a_second_server_and_a_balancer() -> None:
    for name in SCALE:
        assert service(name).get("profiles") == ["scale"], name
    for name in ("db", "server"):
        assert "profiles" not in service(name), f"{name} runs in every profile"


def test_the_replica_is_a_streaming_standby_of_the_db_service() -> None:
    replica, db = service("replica"), service("db")
    assert replica.get("image") == db.get("image")
    assert replica.get("user") == "postgres"
    entry = replica.get("entrypoint")
    assert isinstance(entry, list) and entry[0] == "bash"
    script = _mounted(replica, entry[1]).read_text(encoding="utf-8")
    words = shlex.split(script.replace("\\\n", " "), comments=True)
    assert "pg_basebackup" in words
    for flag in ("--host=db", "--write-recovery-conf", "--wal-method=stream"):
        assert flag in words, flag
    assert "hot_standby=on" in words
    init = _mounted(db, "/docker-entrypoint-initdb.d/10-replication.sh").read_text(encoding="utf-8")
    user = next(w.split("=", 1)[1] for w in words if w.startswith("--username="))
    assert f"CREATE ROLE {user} WITH REPLICATION LOGIN" in init
    assert f"host replication {user} all scram-sha-256" in init
    assert environment(replica)["PGPASSWORD"] == environment(db)["REPLICATION_PASSWORD"]
    assert replica["depends_on"]["db"]["condition"] == "service_healthy"
    data = [m for m in replica.get("volumes") or [] if m.endswith(":/var/lib/postgresql/data")]
    assert data and data[0].split(":")[0] in compose()["volumes"]


def test_both_api_servers_share_the_primary_and_read_from_the_replica() -> None:
    from odx_graph.core import config

    first, second = (environment(service(name)) for name in API_SERVERS)
    assert first["ODX_DATABASE_URL"] == second["ODX_DATABASE_URL"]
    assert first["ODX_BASE_IRI"] == second["ODX_BASE_IRI"]  # one public address
    for env in (first, second):
        [read] = config.Settings.from_env(env).read_database_url_list
        url, primary = urlsplit(read), urlsplit(env["ODX_DATABASE_URL"])
        assert url.hostname == "replica"
        assert (url.username, url.password, url.path) == (
            primary.username,
            primary.password,
            primary.path,
        )
    # One of them loads the demo dataset; the other waits for it.
    assert second["ODX_DEMO"] == "no"
    assert service("server-2")["depends_on"]["server"]["condition"] == "service_healthy"
    assert service("server-2")["build"] == service("server")["build"]
    assert "ports" not in service("server-2"), "reached through the balancer only"
    env = dict(runtime_stage().env())
    env.update(second)
    settings = config.Settings.from_env(env)
    assert not settings.uses_embedded_database and settings.port == PORT


def test_the_balancer_spreads_over_both_api_servers_with_websockets_and_one_rate_limit() -> None:
    balancer = service("balancer")
    assert _mounted(balancer, "/etc/nginx/nginx.conf") == NGINX.resolve()
    directives = _nginx_directives(NGINX.read_text(encoding="utf-8"))
    upstream = [d[1] for d in directives if d[0] == "server" and len(d) > 1 and ":" in d[1]]
    assert sorted(upstream) == sorted(f"{name}:{PORT}" for name in API_SERVERS)
    assert ["proxy_set_header", "Upgrade", "$http_upgrade"] in directives
    assert ["proxy_set_header", "Connection", "$connection_upgrade"] in directives
    assert ["proxy_http_version", "1.1"] in directives
    assert ["proxy_set_header", "X-Forwarded-For", "$proxy_add_x_forwarded_for"] in directives
    # The rate limit per caller (its key, else its address) over both servers.
    assert ["map", "$http_authorization", "$odx_caller"] in directives
    [zone] = [d for d in directives if d[0] == "limit_req_zone"]
    assert zone[1] == "$odx_caller"
    assert ["limit_req_status", "429"] in directives
    [listen] = [d for d in directives if d[0] == "listen"]
    assert balancer["ports"] == [f"{listen[1]}:{listen[1]}"]
    # The API servers believe X-Forwarded-For from the balancer's fixed address only.
    address = balancer["networks"]["odx"]["ipv4_address"]
    for name in API_SERVERS:
        assert environment(service(name))["ODX_FORWARDED_ALLOW_IPS"] == address
    [subnet] = compose()["networks"]["odx"]["ipam"]["config"]
    network = subnet["subnet"]
    import ipaddress

    assert ipaddress.ip_address(address) in ipaddress.ip_network(network)
    for name in API_SERVERS:
        assert balancer["depends_on"][name]["condition"] == "service_healthy"
