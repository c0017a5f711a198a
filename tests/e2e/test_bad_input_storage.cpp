// Bad input on a database's storage engine ("storage", models/database/storage.cpp): each
// fault at its JSON pointer, one line, exit 2 (tests/e2e/bad_input.h).
#include <doctest/doctest.h>

#include <string>

#include "tests/e2e/bad_input.h"
#include "tests/e2e/run_archsim.h"

using namespace archsim::e2e::bad_input;

TEST_CASE("bad input: a database's storage engine, each fault at its pointer") {
  const std::string path = archsim::e2e::source_path("scenarios/databases/uuid-v4-vs-v7.json");
  check_set_cases(path, {
      {"db.storage.key_order=\"uuid\"", {"", "/components/1/storage/key_order", {"random"}}},
      {"db.storage.row_bytes=10", {"", "/components/1/storage/row_bytes", {}, true}},
      {"db.storage.buffer_pool_mb=0", {"", "/components/1/storage/buffer_pool_mb", {}, true}},
      {"db.storage.page_read=\"slow\"", {"", "/components/1/storage/page_read", {}, true}},
      {"db.storage.pages=4", {"", "/components/1/storage/pages", {"unknown field"}}},
      {"db.rows=60000000", {"", "/components/1/rows", {"50,000,000", "storage"}}},
      {"db.storage.partitions={\"by\":\"range\"}", {"", "/components/1/storage/partitions/count", {"required"}}},
      {"db.storage.partitions={\"by\":\"range\",\"count\":1}", {"", "/components/1/storage/partitions/count", {}, true}},
      {"db.storage.partitions={\"by\":\"key\",\"count\":4}", {"", "/components/1/storage/partitions/by", {"range", "hash"}}},
      {"db.storage.partitions={\"by\":\"list\",\"count\":3}", {"", "/components/1/storage/partitions/count", {"weights"}}},
      {"db.storage.partitions={\"by\":\"list\",\"weights\":[1]}", {"", "/components/1/storage/partitions/weights", {"2 to 1024"}}},
      {"db.storage.partitions={\"by\":\"list\",\"weights\":[1,0]}", {"", "/components/1/storage/partitions/weights/1", {"positive"}}},
      {"db.storage.partitions={\"by\":\"hash\",\"count\":4,\"weights\":[1,1,1,1]}", {"", "/components/1/storage/partitions/weights", {"list"}}},
      {"db.storage.partitions={\"by\":\"hash\",\"count\":4,\"pruning\":1.5}", {"", "/components/1/storage/partitions/pruning", {}, true}},
      {"db.storage.partitions={\"by\":\"hash\",\"count\":4,\"prune\":1}", {"", "/components/1/storage/partitions/prune", {"unknown field"}}},
  });
}
