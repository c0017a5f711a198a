#include "models/queue/assignor.h"

#include <algorithm>

namespace archsim::queue {

void assign(Assignor a, const std::vector<std::uint32_t>& partitions_per_topic, std::uint32_t members,
            std::vector<std::vector<TopicPartition>>& out) {
  out.resize(members);
  for (auto& v : out) v.clear();
  if (members == 0) return;
  if (a == Assignor::Range) {
    for (std::uint32_t t = 0; t < partitions_per_topic.size(); ++t) {
      std::uint32_t n = partitions_per_topic[t];
      std::uint32_t per = n / members, extra = n % members;
      for (std::uint32_t m = 0; m < members; ++m) {
        std::uint32_t start = per * m + std::min(m, extra);
        std::uint32_t length = per + (m < extra ? 1 : 0);
        for (std::uint32_t p = start; p < start + length; ++p) out[m].push_back({t, p});
      }
    }
    return;
  }
  std::uint32_t next = 0;
  for (std::uint32_t t = 0; t < partitions_per_topic.size(); ++t)
    for (std::uint32_t p = 0; p < partitions_per_topic[t]; ++p) {
      out[next].push_back({t, p});
      next = (next + 1) % members;
    }
}

}  // namespace archsim::queue
