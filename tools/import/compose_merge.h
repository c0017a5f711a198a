// Several Compose files as one, as `docker compose -f a.yaml -f b.yaml` reads them (the
// Compose specification's merge.md), and `extends` (extends.md):
// - maps merge key by key, the later file winning on scalars;
// - `command`, `entrypoint` and `healthcheck.test` are replaced whole;
// - `environment`, `labels` and `depends_on` are maps whatever their form (a list of
//   KEY=VALUE, or of names) and merge as maps;
// - other lists are appended, an item the earlier file already has not repeated;
// - `extends: {service, file}` (or `extends: NAME`) starts the service from the other one's
//   attributes (extended in turn), merged under its own by the same rules, except
//   `depends_on` and `volumes_from`, which are never inherited. A cycle of extends is an error.
//   Each service is resolved once (a chain costs the sum of its services, not its square), and
//   services holding more than kMaxYamlNodes values once their bases are copied in are an error
//   (a few lines of extends can ask for many copies of a large base).
// Each node keeps the file and line it came from, so an error still names its place.
#pragma once
#include <vector>

#include "tools/import/yaml_json.h"

namespace archsim::import {

// The Compose documents in the order given (at least one); `options` for a file `extends`
// names (interpolated as the others).
YamlDocument merge_compose(const std::vector<const YamlDocument*>& docs, const YamlOptions& options);

}  // namespace archsim::import
