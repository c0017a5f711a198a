# One line per variant of `archsim compare ... --out DIR`: label, availability, the users'
# p99 (ms) and each alert's first firing (s). Usage: jq -r -f whatif.jq DIR/compare.json
.variants[] | .summary as $s |
[.label,
 "avail \($s.availability * 100 | . * 100 | round / 100)%",
 "p99 \($s.components.users.latency_ms.p99 | round) ms",
 "alerts: " + ([$s.availability_report.alerts | group_by(.alert)[] | "\(.[0].alert | split(" ")[0]) \(.[0].fired_s)s"] | join(", ") | if . == "" then "none" else . end)]
| join(" | ")
