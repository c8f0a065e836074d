"""The budgets of issue 16 over the figures bench/run.py printed for each backend; prints one
Markdown row per budget: "ok", "FAIL" where an enforced budget is broken (bench/run.sh then
fails), or "not yet" for a budget the code does not meet yet, which is reported but does not
fail the run (issue 16 stays open until every one is enforced).

    python3 bench/budgets.py SQLITE.json POSTGRES.json
"""
import json, sys

sqlite, postgres = (json.load(open(p)) for p in sys.argv[1:3])
rows = []


# Budgets the code does not meet yet, or not with a margin that 2 s runs on a shared 2-core
# machine keep (see the README's performance section): reported, never failing the run.
NOT_YET = {f"{b}:{k}" for b in ("SQLite", "Postgres")
           for k in ("profile", "sessions", "signin", "flood_p99", "write_p99")}


def budget(what, value, ok, shown, key=""):
    verdict = "ok" if ok(value) else ("not yet" if f"{what.split(':')[0]}:{key}" in NOT_YET else "FAIL")
    rows.append(f"| {what} | {shown(value)} | {verdict} |")


for name, f in (("SQLite", sqlite), ("Postgres", postgres)):
    budget(f"{name}: `/settings/profile` ≥ 0.5× `/signin`", f["profile_ratio"], lambda v: v >= 0.5, lambda v: f"{v:.2f}×", "profile")
    budget(f"{name}: `/settings/sessions` ≥ 0.5× `/signin`", f["sessions_ratio"], lambda v: v >= 0.5, lambda v: f"{v:.2f}×", "sessions")
    budget(f"{name}: sign-ins ≥ 0.9× the argon2 bound", f["signin_ratio"], lambda v: v >= 0.9, lambda v: f"{v:.2f}×", "signin")
    budget(f"{name}: the flood offers at least 3.5× the bound (the test is real)", f["flood_offered_ratio"], lambda v: v >= 3.5, lambda v: f"{v:.1f}×")
    budget(f"{name}: page p99 during the flood ≤ 2× quiet", f["flood_p99_ratio"], lambda v: v <= 2, lambda v: f"{v:.2f}×", "flood_p99")
    budget(f"{name}: every sign-in in the flood answered within 2 s", f["flood_max_ms"], lambda v: v <= 2000, lambda v: f"max {v:.0f} ms", "flood_max")
    budget(f"{name}: every refused sign-in says `Retry-After`, no other failure",
           (f["flood_retry_missing"], f["flood_other"]), lambda v: v == (0, 0), lambda v: f"{v[0]} without, {v[1]} other")
    budget(f"{name}: writes fail never, never \"database is locked\"", (f["writes_failed"], f["locked"]),
           lambda v: v == (0, 0), lambda v: f"{v[0]} failed, {v[1]} locked", "write_failures")
    budget(f"{name}: scale pages' median latency ≤ 1.5× nearly empty (worst)", f["scale_worst_ratio"], lambda v: v <= 1.5, lambda v: f"{v:.2f}×", "scale")
budget("SQLite: ≥ 1,000 writes/s at 32 people", sqlite["writes_rps"], lambda v: v >= 1000, lambda v: f"{v:,.0f}/s", "write_rps")
budget("SQLite: write p99 ≤ 50 ms", sqlite["writes_p99"], lambda v: v <= 50, lambda v: f"{v:.1f} ms", "write_p99")
budget("Postgres: writes within 2× of SQLite", postgres["writes_rps"] / sqlite["writes_rps"], lambda v: v >= 0.5, lambda v: f"{v:.2f}×", "write_ratio")

print("| budget | measured | |")
print("|---|---|---|")
print("\n".join(rows))
