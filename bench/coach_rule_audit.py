"""What each coach rule costs and earns, file by file. Run by hand.

    python bench/coach_rule_audit.py                    # every rule over every development file
    python bench/coach_rule_audit.py --sincere          # and every sincere reply each rule flags, with its words
    python bench/coach_rule_audit.py --rules OLD.yaml   # another rule file (e.g. an earlier round's, from git show)

For each rule (and each built-in check): the sincere replies it flags (a false flag: the coach's own fault whatever the
other rules say) and the bad replies only it catches (no other rule or check flags them: what the coach loses if the
rule goes), per development file. A rule that flags sincere replies from writers it was not written for and catches
little the others do not should need more context, or go (docs/coach.md, Round 8). Rules only: the trained model is
left out, since it speaks only when every rule is silent.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

from recoverycli import coach
from recoverycli.coach.corpus import bundled_corpus_dir, context_for, load_corpus


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rules", type=Path, help="a coach.yaml to audit instead of the bundled one")
    ap.add_argument("--sincere", action="store_true", help="list every sincere reply each rule flags")
    ap.add_argument("--files", nargs="*", help="file stems to audit (default: every dev*.yaml)")
    args = ap.parse_args()
    rules = coach.default_rules(args.rules)
    paths = sorted(bundled_corpus_dir().glob("dev*.yaml"))
    if args.files:
        paths = [p for p in paths if p.stem in args.files]
    ff: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    alone: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    examples: dict[str, list[str]] = defaultdict(list)
    for p in paths:
        for r in load_corpus(p):
            flags = coach.check(r.text, rules, context_for(r))
            ids = {f.rule for f in flags}
            if r.verdict == "sincere":
                for f in flags:
                    if f.rule in ids:
                        ff[f.rule][p.stem] += 1
                        ids.discard(f.rule)
                        examples[f.rule].append(f"{r.where} [{f.level}] '{f.match}': {r.text[:160]}")
            elif len(ids) == 1:
                alone[ids.pop()][p.stem] += 1
    stems = [p.stem.replace("dev-spent", "s").replace("dev-", "").replace("dev", "dev") for p in paths]
    print(f"{'rule':24s} {'':4s} " + " ".join(f"{s[:8]:>8s}" for s in stems) + "    total")
    for rid in sorted(set(ff) | set(alone), key=lambda k: -sum(ff[k].values())):
        for label, table in (("FF", ff), ("only", alone)):
            row = [table[rid].get(p.stem, 0) for p in paths]
            print(
                f"{rid if label == 'FF' else '':24s} {label:4s} " + " ".join(f"{n:8d}" for n in row) + f" {sum(row):8d}"
            )
    if args.sincere:
        for rid, lines in sorted(examples.items()):
            print(f"\n## {rid} ({len(lines)})")
            print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
