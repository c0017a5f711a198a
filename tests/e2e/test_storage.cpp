// The storage engine end to end (models/database/storage.h), from the command line, against
// the B-tree results it follows: random inserts leave pages ln 2 full (Yao 1978) and
// sequential ones at InnoDB's 15/16; the index is then rows / (rows per page x fill) pages;
// under uniformly random access an LRU pool smaller than the index hits about pool pages /
// index pages, while sequential inserts always find their (rightmost) page resident.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::num;
using archsim::e2e::run_summary;
using archsim::e2e::source_path;
using nlohmann::json;

TEST_CASE("storage: random keys fill pages to ln 2 and miss the pool, sequential ones fill to 15/16 and hit it") {
  const std::string path = source_path("scenarios/databases/uuid-v4-vs-v7.json");
  const json r = run_summary(path, {"--set", "db.storage.key_order=random"});
  const json s = run_summary(path, {"--set", "db.storage.key_order=sequential"});
  CHECK(num(r, "components.db.fill_factor") == doctest::Approx(std::log(2.0)).epsilon(0.03));
  CHECK(num(s, "components.db.fill_factor") == doctest::Approx(15.0 / 16).epsilon(0.01));
  // 256-byte rows: (16384 - 128) / 256 = 63 per page.
  for (const json* j : {&r, &s}) {
    const double rows = num(*j, "components.db.table_rows");
    CHECK(num(*j, "components.db.index_pages") ==
          doctest::Approx(rows / (63 * num(*j, "components.db.fill_factor"))).epsilon(0.01));
  }
  // 128 MB = 8,192 pages against about 23,000 pages of random index: the hit ratio is near
  // their quotient (the reads and the inserts' leaves drawn uniformly); sequential inserts hit.
  const double quotient = num(r, "components.db.buffer_pool_pages") / num(r, "components.db.index_pages");
  CHECK(num(r, "components.db.buffer_pool_hit_ratio") == doctest::Approx(quotient).epsilon(0.15));
  CHECK(num(s, "components.db.buffer_pool_hit_ratio") > 0.9);
  CHECK(num(r, "components.db.page_reads") > 5 * num(s, "components.db.page_reads"));
  // A pool larger than the index: random inserts hit as well.
  const json big = run_summary(path, {"--set", "db.storage.key_order=random", "--set", "db.storage.buffer_pool_mb=1024"});
  CHECK(num(big, "components.db.buffer_pool_hit_ratio") > 0.99);
}
