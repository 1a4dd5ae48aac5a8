"""The systemd unit reader and the gunicorn listener rules, checked finding by finding.

Each weakened unit must give exactly one finding, whole: the protection, the file, the line of
the directive systemd applies (the last assignment), the problem and the fix. Expected values
follow systemd.syntax(7) and systemd.exec(5), and gunicorn's ``bind`` forms.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from ..deploy_scan import (
    SANDBOX,
    SYSTEMD,
    Finding,
    _as_list,
    _exposure,
    _is_loopback_bind,
    check_unit_text,
    parse_unit,
    scan_text,
)

# A unit with the whole sandbox on, one directive a line; line 1 is "[Service]".
GOOD = [
    "[Service]",
    "User=app",
    "UMask=0077",
    "NoNewPrivileges=yes",
    "ProtectHome=yes",
    "PrivateTmp=yes",
    "PrivateDevices=yes",
    "PrivateUsers=yes",
    "PrivateIPC=yes",
    "PrivateMounts=yes",
    "ProtectKernelTunables=yes",
    "ProtectKernelModules=yes",
    "ProtectKernelLogs=yes",
    "ProtectControlGroups=yes",
    "ProtectClock=yes",
    "ProtectHostname=yes",
    "RestrictNamespaces=yes",
    "RestrictRealtime=yes",
    "RestrictSUIDSGID=yes",
    "LockPersonality=yes",
    "MemoryDenyWriteExecute=yes",
    "RemoveIPC=yes",
    "ProtectSystem=strict",
    "ProtectProc=invisible",
    "ProcSubset=pid",
    "SystemCallArchitectures=native",
    "DevicePolicy=closed",
    "CapabilityBoundingSet=",
    "AmbientCapabilities=",
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
    "IPAddressDeny=any",
    "SystemCallFilter=@system-service",
]
PATH = "deploy/systemd/app.service"


def _unit(replace: dict[str, str | None]) -> tuple[str, dict[str, int]]:
    """GOOD with directives replaced (None removes one); also each key's line number."""
    lines, numbers = [], {}
    for directive in GOOD:
        key = directive.partition("=")[0]
        if key in replace and replace[key] is None:
            continue
        lines.append(f"{key}={replace[key]}" if key in replace else directive)
        numbers[key] = len(lines)
    return "\n".join(lines) + "\n", numbers


def test_a_fully_sandboxed_unit_gives_no_finding():
    assert check_unit_text(_unit({})[0], PATH) == []


# (directive, value or None to leave it out, problem, fix). A directive left out is reported
# on the first line of [Service] (line 2, after the header).
UNIT_FINDINGS = [
    ("NoNewPrivileges", "no", "NoNewPrivileges=no", "NoNewPrivileges=yes"),
    ("NoNewPrivileges", None, "NoNewPrivileges is not set", "NoNewPrivileges=yes"),
    ("RemoveIPC", "false", "RemoveIPC=false", "RemoveIPC=yes"),
    ("ProtectSystem", "full", "ProtectSystem=full", "ProtectSystem=strict"),
    ("ProtectSystem", None, "ProtectSystem is not set", "ProtectSystem=strict"),
    ("DevicePolicy", "auto", "DevicePolicy=auto", "DevicePolicy=closed"),
    (
        "CapabilityBoundingSet",
        "CAP_NET_ADMIN CAP_SYS_ADMIN",
        "CapabilityBoundingSet grants CAP_NET_ADMIN CAP_SYS_ADMIN",
        "CapabilityBoundingSet= (empty: no capabilities)",
    ),
    (
        "AmbientCapabilities",
        None,
        "AmbientCapabilities is not set (all capabilities)",
        "AmbientCapabilities= (empty: no capabilities)",
    ),
    (
        "RestrictAddressFamilies",
        "AF_UNIX AF_PACKET",
        "RestrictAddressFamilies=AF_UNIX AF_PACKET",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
    ),
    (
        "RestrictAddressFamilies",
        "~AF_PACKET",
        "RestrictAddressFamilies=~AF_PACKET",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
    ),
    (
        "RestrictAddressFamilies",
        None,
        "RestrictAddressFamilies=(any)",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
    ),
    (
        "IPAddressDeny",
        "10.0.0.0/8",
        "IPAddressDeny=any is missing: the service may talk to any host",
        "IPAddressDeny=any, with IPAddressAllow= for what it needs",
    ),
    (
        "SystemCallFilter",
        "~@mount",
        "SystemCallFilter does not allow-list @system-service",
        "SystemCallFilter=@system-service",
    ),
    ("UMask", "0022", "UMask=0022", "UMask=0077"),
    ("UMask", "0707", "UMask=0707", "UMask=0077"),
    ("UMask", "u=rwx", "UMask=u=rwx", "UMask=0077"),
    ("UMask", None, "UMask=None", "UMask=0077"),
    ("User", "root", "runs as root", "User=<the service user>"),
    ("User", "0", "runs as 0", "User=<the service user>"),
    ("User", "", "runs as root", "User=<the service user>"),
]


@pytest.mark.parametrize(
    ("key", "value", "problem", "fix"), UNIT_FINDINGS, ids=[f"{r[0]}={r[1]}" for r in UNIT_FINDINGS]
)
def test_each_sandbox_weakening_is_one_whole_finding(key, value, problem, fix):
    if key == "User" and value is None:
        pytest.skip("covered by the empty User=")
    text, numbers = _unit({key: value})
    line = numbers[key] if value is not None else 2
    if key == "User" and value is not None:
        line = 2
    assert check_unit_text(text, PATH) == [Finding(SANDBOX, PATH, line, problem, fix)]


def test_a_unit_without_service_directives_reports_line_zero():
    findings = check_unit_text("[Unit]\nDescription=x\n", PATH)
    assert findings
    assert {(f.path, f.line) for f in findings} == {(PATH, 0)}
    assert Finding(SANDBOX, PATH, 0, "runs as root", "User=<the service user>") in findings


def test_the_last_assignment_wins_and_a_single_family_is_enough():
    text, _ = _unit({"RestrictAddressFamilies": "AF_UNIX"})
    text += "NoNewPrivileges=no\nNoNewPrivileges=yes\nUMask=027\n"
    assert [str(f) for f in check_unit_text(text, PATH)] == [f"{PATH}:35: UMask=027"]


def test_parse_unit_keeps_service_assignments_with_their_lines():
    text = (
        "# comment=1\n"  # 1
        "[Unit]\n"  # 2
        "Description=not the service\n"  # 3
        "\n"  # 4
        "[Service]\n"  # 5
        "; User=root\n"  # 6
        "  # Group=root\n"  # 7
        "Environment=A=1 B=2\n"  # 8
        "ExecStart=/bin/app \\\n"  # 9
        "  --flag \\\n"  # 10
        "  last\n"  # 11
        "User = app\n"  # 12
        "User=\n"  # 13
        "not an assignment\n"  # 14
        "[Install]\n"  # 15
        "WantedBy=multi-user.target\n"  # 16
    )
    assert parse_unit(text) == {
        "Environment": [("A=1 B=2", 8)],
        "ExecStart": [("/bin/app  --flag  last", 9)],
        "User": [("app", 12), ("", 13)],
    }


def test_parse_unit_joins_a_continuation_that_starts_a_unit():
    text = "[Service]\nSystemCallFilter=@system-service\\\n@chown\nUser=a\n"
    assert parse_unit(text) == {
        "SystemCallFilter": [("@system-service @chown", 2)],
        "User": [("a", 4)],
    }


def test_parse_unit_reads_a_section_only_from_a_bracketed_line():
    # "[Service" and "Service]" are not section headers: systemd refuses them.
    text = "[Service]\nUser=a\nService]\n[Unit\nGroup=b\n"
    assert parse_unit(text) == {"User": [("a", 2)], "Group": [("b", 5)]}


def test_a_systemd_line_is_read_whole_after_a_hash():
    # systemd has no trailing comments: "FLASK_DEBUG=1 # off" still sets FLASK_DEBUG.
    found = list(scan_text("Environment=X=1 # FLASK_DEBUG=1\n", SYSTEMD, "a.service"))
    assert [(s.line, s.rule) for s in found] == [(1, "FLASK_DEBUG")]


def test_elsewhere_a_trailing_comment_is_cut_whole():
    # In an env file "# ..." after a space is a comment: what follows it is not read.
    found = list(scan_text("A=1 # x FLASK_DEBUG=1\nB=2 #x --reload\n", "env", ".flaskenv"))
    assert found == []


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("unix:/run/app/gunicorn.sock", True),
        ("fd://3", True),
        ("127.0.0.1:8000", True),
        ("localhost:8000", True),
        ("[::1]:8000", True),
        ("localhost", True),
        ("127.0.0.1", True),
        ("0.0.0.0:8000", False),
        ("[::]:8000", False),
        ("192.168.1.5:8000", False),
        ("example.com", False),
        ("8000", False),
        (":8000", False),
    ],
)
def test_gunicorn_bind_forms(address, loopback):
    assert _is_loopback_bind(address) is loopback


@pytest.mark.parametrize(
    ("value", "listed"),
    [
        ("127.0.0.1, ::1", ["127.0.0.1", "::1"]),
        (["unix:/run/a.sock", " 127.0.0.1:80 "], ["unix:/run/a.sock", "127.0.0.1:80"]),
        (("127.0.0.1",), ["127.0.0.1"]),
        (["127.0.0.1", 8000], None),
        (None, None),
        (8000, None),
    ],
)
def test_gunicorn_settings_read_as_a_list(value, listed):
    assert _as_list(value) == listed


FAKE_ANALYZE = """#!{python}
import sys
from pathlib import Path
Path(sys.argv[0]).with_name("args").write_text("\\n".join(sys.argv[1:]))
print("NAME  DESCRIPTION  EXPOSURE")
print("{report}")
"""


def _fake_analyze(tmp_path: Path, monkeypatch, report: str) -> Path:
    tool = tmp_path / "bin" / "systemd-analyze"
    tool.parent.mkdir()
    tool.write_text(FAKE_ANALYZE.format(python=sys.executable, report=report), encoding="utf-8")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", str(tool.parent))
    return tool


def test_exposure_is_read_from_systemd_analyze(tmp_path, monkeypatch):
    tool = _fake_analyze(tmp_path, monkeypatch, "→ Overall exposure level for app.service: 1.2 OK")
    unit = tmp_path / "app.service"
    assert _exposure(unit) == 1.2
    # --threshold is the exposure times ten; --offline reads the file, not the running system.
    args = tool.with_name("args").read_text(encoding="utf-8").splitlines()
    assert args == ["security", "--offline=yes", "--threshold=15", "--no-pager", str(unit)]


def test_exposure_is_unknown_without_a_rating(tmp_path, monkeypatch):
    _fake_analyze(tmp_path, monkeypatch, "overall exposure level for app.service: 9.6")
    assert _exposure(tmp_path / "app.service") is None


def test_exposure_is_unknown_without_systemd_analyze(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert _exposure(tmp_path / "app.service") is None


def test_exposure_still_read_when_the_tool_fails_the_threshold(tmp_path, monkeypatch):
    tool = _fake_analyze(
        tmp_path, monkeypatch, "→ Overall exposure level for a.service: 9.6 UNSAFE"
    )
    tool.write_text(tool.read_text(encoding="utf-8") + "sys.exit(1)\n", encoding="utf-8")
    assert _exposure(tmp_path / "a.service") == 9.6


def test_a_hung_systemd_analyze_is_given_up(tmp_path, monkeypatch):
    _fake_analyze(tmp_path, monkeypatch, "")

    def hang(*args, **kwargs):
        assert kwargs.get("timeout") == 60
        raise subprocess.TimeoutExpired(args[0], kwargs["timeout"])

    monkeypatch.setattr(subprocess, "run", hang)
    assert _exposure(tmp_path / "a.service") is None


def test_a_switch_before_a_trailing_comment_is_still_found():
    # Only the comment is cut: "--debug # dev" still passes --debug.
    found = list(scan_text("exec gunicorn --debug # dev only\n", "container", "deploy/run.sh"))
    assert [(s.line, s.rule, s.text) for s in found] == [(1, "--debug", "--debug")]
