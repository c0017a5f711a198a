// The results of the segments of a time-parallel run (`archsim run --segments N`,
// tools/cli/segments.h) and their stitching into one run's RunResult, which the ledgers and
// summary.json then read as they read any run's. Knows no model: a component's figures
// stitch as the model said (sim/results.h Stitch).
//
// A segment is a run of [start, end) whose figures count from its cut (its warm-up's end,
// RunResult::warmup) on. Stitched, in time order:
//   - counts (requests sent, outcomes, Stitch::Sum figures) are added;
//   - every latency figure is read from the merge of the segments' histograms (exact: the
//     merged histogram is the one that recording every value once would give);
//   - Stitch::Weighted figures are the weighted mean, Stitch::Last the last segment's;
//   - the series keep each segment's windows from its cut to its end, concatenated, and the
//     states each segment's transitions from its cut on; episodes (faults, OOM kills) are
//     each segment's that began after its cut (the first segment's all);
//   - what was billed (Usage) is each segment's scaled to its measured part (approximate: a
//     machine's life is not cut at the cut), the peak of replicas the highest;
//   - events and wall time are added (the CPU the segments took), the fingerprint hashes
//     the segments' in order.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "sim/results.h"

namespace archsim {

// A segment's RunResult as bytes (CBOR), for the process that stitches: every field stitching
// reads, its histograms (RunResult::keep_histograms) included; traces and access logs not.
std::string encode_segment(const RunResult& r);
// Back; nullopt for bytes that are not an encoded segment.
std::optional<RunResult> decode_segment(const std::string& bytes);

// The whole run from its segments in time order (each of the same scenario, its windows
// aligned); parts[k].warmup is segment k's cut. Throws std::invalid_argument when the parts
// do not fit together (other series, components or routes).
RunResult stitch_segments(const std::vector<RunResult>& parts);

}  // namespace archsim
