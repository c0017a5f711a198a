// Queue: reading a queue's "groups" (group.h, read_groups): Kafka's publish-subscribe, where
// every consumer group reads every message of the topics it subscribes to, at its own pace.
#include <algorithm>
#include <string>

#include "models/queue/group.h"
#include "models/queue/topic.h"
#include "scenario/errors.h"

namespace archsim::queue {

namespace {
constexpr std::size_t kMaxGroups = 1024;  // a block of tags each, beside the topics'
}

std::vector<std::unique_ptr<Group>> read_groups(Params& p, BuildContext& bc, Brokers& sh,
                                                const std::vector<std::unique_ptr<Topic>>& topics) {
  std::vector<std::unique_ptr<Group>> out;
  if (!p.has("groups")) {
    p.known("groups");
    return out;
  }
  std::vector<Params> list = p.objects("groups");
  if (list.empty()) p.fail("groups", "expected a non-empty array of {\"name\", \"service\", ...}");
  if (list.size() > kMaxGroups) p.fail("groups", "at most " + std::to_string(kMaxGroups) + " consumer groups");
  const bool named_topics = !sh.topic_names[0].empty();
  std::vector<std::string> names;
  for (Params& gp : list) {
    if (!gp.has("name")) gp.missing("name");
    const std::string name = gp.string("name");
    if (name.empty() || name.find('.') != std::string::npos || name.find('/') != std::string::npos)
      gp.fail("name", "a group's name is non-empty, without '.' or '/'");
    if (std::find(names.begin(), names.end(), name) != names.end()) gp.fail("name", "duplicate group name \"" + name + "\"");
    names.push_back(name);
    // The topics it subscribes to, by name; subscribed in the order of the names, as Kafka's
    // assignors list a member's topics.
    std::vector<std::uint32_t> subs;
    if (named_topics) {
      if (!gp.has("topics")) gp.missing("topics");
      const Params::Value v = gp.value("topics");
      if (v.shape() != Params::Shape::array || v.items().empty())
        gp.fail("topics", "expected a non-empty array of the queue's topic names");
      for (const Params::Value& item : v.items()) {
        const std::optional<std::string> t = item.as_string();
        if (!t) item.fail("expected a topic name");
        auto it = std::find(sh.topic_names.begin(), sh.topic_names.end(), *t);
        if (it == sh.topic_names.end()) item.fail("unknown topic \"" + *t + "\"" + did_you_mean(*t, sh.topic_names));
        const auto ti = static_cast<std::uint32_t>(it - sh.topic_names.begin());
        if (std::find(subs.begin(), subs.end(), ti) != subs.end()) item.fail("topic \"" + *t + "\" is listed twice");
        subs.push_back(ti);
      }
      std::sort(subs.begin(), subs.end(), [&](std::uint32_t a, std::uint32_t b) { return sh.topic_names[a] < sh.topic_names[b]; });
    } else {
      if (gp.has("topics")) gp.fail("topics", "this queue has one topic (no \"topics\"): the group reads it");
      gp.known("topics");
      subs.push_back(0);
    }
    const bool work = topics[subs[0]]->work_queue();
    for (std::uint32_t ti : subs)
      if (topics[ti]->work_queue() != work)
        gp.fail("topics", "a group reads log topics or one work_queue, not both (\"" + sh.topic_names[ti] + "\" differs)");
    if (work && subs.size() > 1) gp.fail("topics", "a work_queue's competing consumers read that one queue");
    if (!gp.has("service")) gp.missing("service");
    auto g = std::make_unique<Group>(&gp, gp, bc, sh, work, static_cast<std::uint16_t>(sh.groups.size()), "groups." + name + ".");
    for (std::uint32_t ti : subs) {
      topics[ti]->add_subscriber(*g, g->subscribe(*topics[ti]));
      topics[ti]->needs_retention(*g, gp);
    }
    g->register_metrics(bc.metrics(), bc.id());
    g->register_partition_metrics(bc.metrics(), bc.id());
    g->set_own_timers();
    sh.groups.push_back(g.get());
    out.push_back(std::move(g));
  }
  for (const auto& t : topics) t->drop_idle_own_group();
  return out;
}

}  // namespace archsim::queue
