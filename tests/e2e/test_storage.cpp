// The storage engine end to end (models/database/storage.h), from the command line, against
// the B-tree results it follows: random inserts leave pages ln 2 full (Yao 1978) and
// sequential ones at InnoDB's 15/16; the index is then rows / (rows per page x fill) pages;
// under uniformly random access an LRU pool smaller than the index hits about pool pages /
// index pages, while sequential inserts always find their (rightmost) page resident.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
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

TEST_CASE("storage: partitions by date keep random inserts in one partition's pages, and unpruned reads probe them all") {
  // 12 range partitions (a year by month): every new row belongs to the current month, so the
  // random inserts touch only the last partition's leaves, which fit in the pool: they hit
  // as sequential keys do, while hash partitions spread them over every leaf as no
  // partitioning does (an LRU under uniform reference hits pool / pages either way).
  const std::string path = source_path("scenarios/databases/uuid-v4-vs-v7.json");
  const json none = run_summary(path, {});
  const json range = run_summary(path, {"--set", R"(db.storage.partitions={"by":"range","count":12})"});
  const json hash = run_summary(path, {"--set", R"(db.storage.partitions={"by":"hash","count":12})"});
  CHECK(num(none, "components.db.buffer_pool_hit_ratio") < 0.4);
  CHECK(num(range, "components.db.buffer_pool_hit_ratio") > 0.9);
  CHECK(num(hash, "components.db.buffer_pool_hit_ratio") ==
        doctest::Approx(num(none, "components.db.buffer_pool_hit_ratio")).epsilon(0.05));
  CHECK(num(range, "components.db.partitions") == 12);
  // Pruned, every point read probes one index; unpruned (no partitioning column in the WHERE
  // clause), every one of the 12.
  const double reads = num(range, "components.db.partition_probes");
  CHECK(reads > 10000);
  CHECK(num(range, "components.db.unpruned_reads") == 0);
  const json all = run_summary(path, {"--set", R"(db.storage.partitions={"by":"range","count":12,"pruning":0})"});
  const double unpruned = num(all, "components.db.unpruned_reads");
  CHECK(num(all, "components.db.partition_probes") == 12 * unpruned);
  CHECK(unpruned == doctest::Approx(reads).epsilon(0.05));
  CHECK(num(all, "components.db.page_reads") > num(range, "components.db.page_reads"));
  // Half of them pruned: the unpruned share is binomial (3 sigma of about 16,400 draws).
  const json half = run_summary(path, {"--set", R"(db.storage.partitions={"by":"hash","count":4,"pruning":0.5})"});
  const double n = num(half, "components.db.partition_probes"), u = num(half, "components.db.unpruned_reads");
  const double draws = n - 3 * u;  // each unpruned read probed 4 partitions, each pruned one 1
  CHECK(std::abs(u - draws / 2) < 3 * std::sqrt(draws / 4));
  // List partitions by weight: every loaded and inserted row is in one of them (the same
  // inserts as without partitions, give or take the few in flight at the end).
  const json list = run_summary(path, {"--set", R"(db.storage.partitions={"by":"list","weights":[6,3,1]})"});
  CHECK(num(list, "components.db.table_rows") == doctest::Approx(num(none, "components.db.table_rows")).epsilon(1e-5));
  CHECK(num(list, "components.db.partitions") == 3);
}

TEST_CASE("storage: the page's storage chart draws the page reads and splits the summary counts") {
  // Without a warm-up every window is counted: the per-second series times the window (2 s)
  // sum to the run's page_reads and page_splits. The chart is the database's declared panel
  // (models/database/page.cpp), drawn from one of its section's data files.
  const std::string out = archsim::e2e::scratch_dir("storage-chart");
  const auto r = archsim::e2e::run_archsim(
      {"run", source_path("scenarios/databases/uuid-v4-vs-v7.json"), "--set", "warmup=0s", "--out", out, "--quiet"});
  REQUIRE(r.exit_code == 0);
  std::string panel;
  for (const auto& e : std::filesystem::directory_iterator(out + "/charts")) {
    std::ifstream f(e.path());
    std::string head;
    if (e.path().extension() == ".dat" && std::getline(f, head) && head == "time_s,page_reads_rps,page_splits_rps") panel = e.path();
  }
  REQUIRE_MESSAGE(!panel.empty(), "no chart data file holds the page reads and splits");
  std::ifstream in(panel);
  std::string line;
  std::getline(in, line);
  double reads = 0, splits = 0;
  int rows = 0;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string t, a, b;
    std::getline(ss, t, ',');
    std::getline(ss, a, ',');
    std::getline(ss, b, ',');
    reads += std::stod(a) * 2;
    splits += std::stod(b) * 2;
    ++rows;
  }
  CHECK(rows == 30);
  std::ifstream sj(out + "/summary.json");
  const json s = json::parse(sj);
  CHECK(reads == doctest::Approx(num(s, "components.db.page_reads")).epsilon(1e-9));
  CHECK(splits == doctest::Approx(num(s, "components.db.page_splits")).epsilon(1e-9));
  CHECK(reads > 100000);
}
