#!/usr/bin/env python3
"""Searches server logs for secrets; exits 1 with the lines (secrets masked) when one is found.

The test command collects the log of every server its integration tests and Playwright start
(PC_TEST_LOG_FILE, end2end's server.log files) and runs this over them: passwords the tests type,
API keys, session and link tokens, recovery codes, keys and passwords in URLs must never reach a
log. Before scanning it proves each pattern still finds what it is meant to (a self-test on
made-up lines), so a pattern that has stopped matching fails here rather than passing silently.

    scripts/scan-logs.py FILE...
"""
import re
import sys

# The passwords and keys the test suites use (tests/api/common.rs, end2end/tests/*.ts,
# end2end/constants.ts): if one of them is in a log, the server wrote a typed secret.
LITERALS = [
    "a long and unusual passphrase",
    "another long and unusual passphrase",
    "another quite unusual passphrase",
    "not the passphrase",
    "test-platform-key-0123456789abcdef0123456789",
    "e2e-platform-key-0123456789abcdef0123456789",
]

PATTERNS = {
    # pc_<16 hex>.<secret>: the whole key (its public prefix pc_<16 hex> alone is fine).
    "API key": re.compile(r"pc_[0-9a-f]{16}\.[A-Za-z0-9_-]{20,}"),
    # The session cookie's value and the Authorization header's.
    "session cookie": re.compile(r"pc_(?:session|mfa)=[A-Za-z0-9_-]{20,}"),
    "bearer token": re.compile(r"Bearer\s+[A-Za-z0-9._-]{20,}", re.I),
    # Links in e-mails carry their token in the query: a logged query would leak it.
    "token in a URL": re.compile(r"[?&](?:token|t|code|key)=[A-Za-z0-9_.-]{16,}"),
    # Recovery codes: three groups of four from the code alphabet.
    "recovery code": re.compile(r"\b[2-9a-hj-km-np-z]{4}-[2-9a-hj-km-np-z]{4}-[2-9a-hj-km-np-z]{4}\b"),
    # A password inside a database or SMTP URL.
    "password in a URL": re.compile(r"\b(?:postgres(?:ql)?|smtps?)://[^\s:/@]+:[^\s@/]+@"),
    # otpauth:// carries the TOTP secret.
    "TOTP URI": re.compile(r"otpauth://"),
}

SELF_TEST = {
    "API key": "created key pc_0123456789abcdef.Zm9vYmFyYmF6cXV4cXV1eHF1dXg",
    "session cookie": "cookie: pc_session=QUJDREVGR0hJSktMTU5PUFFSU1RVVldY",
    "bearer token": "authorization: Bearer pc_0123456789abcdef.Zm9vYmFy",
    "token in a URL": "GET /verify?token=QUJDREVGR0hJSktMTU5PUA",
    "recovery code": "code k3m9-x2qp-7hwd used",
    "password in a URL": "connecting to postgres://app:hunter2@db:5432/app",
    "TOTP URI": "otpauth://totp/Profile%20Center:ada?secret=JBSWY3DPEHPK3PXP",
}


def findings(line):
    for literal in LITERALS:
        if literal in line:
            yield "a test password or key", literal
    for name, pattern in PATTERNS.items():
        for match in pattern.finditer(line):
            yield name, match.group(0)


def self_test():
    for name, line in SELF_TEST.items():
        found = {n for n, _ in findings(line)}
        if name not in found:
            sys.exit(f"scan-logs self-test: the {name} pattern no longer finds {line!r}")
    if list(findings("GET /settings/profile 200 3.1 ms request id=AbC12xYz user_id=u_01HX")):
        sys.exit("scan-logs self-test: an ordinary request line was reported")


def mask(secret):
    return secret[:6] + "…" if len(secret) > 6 else "…"


def main(paths):
    self_test()
    bad = 0
    lines = 0
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                lines += 1
                for name, secret in findings(line):
                    bad += 1
                    if bad <= 20:
                        shown = line.strip().replace(secret, mask(secret))[:300]
                        print(f"{path}:{number}: {name}: {shown}")
    if bad:
        print(f"scan-logs: {bad} secret(s) in {lines} log lines", file=sys.stderr)
        return 1
    print(f"scan-logs: {lines} log lines from {len(paths)} file(s), no secret")
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1:]))
