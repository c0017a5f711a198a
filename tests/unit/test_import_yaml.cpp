// archsim import's YAML layer (tools/import/yaml_json.h, compose_merge.h, import_error.h):
// hostile YAML refused at its place (an alias inside its own anchor, an alias bomb, nesting
// without end, bytes that are not UTF-8, a NUL, a Helm template), typed reads that turn a
// wrongly typed field into a located error, the Compose specification's interpolation and
// merge of several files, and what an error line may show of the input.
#include <doctest/doctest.h>

#include <string>

#include "tools/import/compose_merge.h"
#include "tools/import/import_error.h"
#include "tools/import/quantity.h"
#include "tools/import/yaml_json.h"

using namespace archsim::import;
using nlohmann::json;

namespace {

// The error parse_yaml_text gives, as the command line prints it ("" when none).
std::string error_of(const std::string& text, const YamlOptions& options = {}) {
  try {
    parse_yaml_text(text, "t.yaml", options);
  } catch (const ImportError& e) {
    return e.format();
  }
  return "";
}

}  // namespace

TEST_CASE("import: an alias inside its own anchor is a located error, not a crash") {
  for (const char* text : {"x-a: &a {<<: *a}\nservices: {web: {image: x}}\n", "a: &a [*a]\n",
                           "services: {web: &w {image: x, labels: *w}}\n", "a: &a\n  b:\n    c: *a\n"}) {
    CAPTURE(text);
    const std::string e = error_of(text);
    CHECK(e.rfind("t.yaml:", 0) == 0);
    CHECK(e.find("its own anchor") != std::string::npos);
  }
  // An alias of a finished anchor is fine, however often it is used.
  const auto docs = parse_yaml_text("a: &a {x: 1}\nb: [*a, *a]\nc: {<<: *a, y: 2}\n", "t.yaml");
  CHECK(docs[0].value["b"][1]["x"] == 1);
  CHECK(docs[0].value["c"] == json({{"x", 1}, {"y", 2}}));
}

TEST_CASE("import: alias bombs and endless nesting are refused before they fill the memory") {
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) bomb += (k ? ", *a" : "*a") + std::to_string(i - 1);
    bomb += "]\n";
  }
  CHECK(error_of(bomb).find("alias bomb") != std::string::npos);
  const std::string deep = std::string(300, '[') + std::string(300, ']');
  CHECK(error_of(deep).find("levels deep") != std::string::npos);
}

TEST_CASE("import: a document that goes on where YAML cannot is refused at its line, not read as endless documents") {
  // yaml-cpp 0.7 ends an indented root map at a line indented less and starts a document
  // there; at a stray `,` each such document consumes nothing, and LoadAll would append
  // null documents until the memory is gone (fuzz_import_compose's finding, issue 84).
  const std::string pasted = "  services:\n    web:\n      image: nginx:1.25\n , worker:\n      image: w\n";
  CHECK(error_of(pasted).rfind("t.yaml:4:2: YAML syntax error: the document cannot go on here", 0) == 0);
  CHECK(error_of(",\n").rfind("t.yaml:1:1: YAML syntax error", 0) == 0);
  // Read silently as two documents before: a line indented less than an indented root.
  CHECK(error_of("  services:\n    web: {image: x}\n x: 1\n").rfind("t.yaml:3:2: YAML syntax error", 0) == 0);
  // Documents that begin with ---, or follow a ..., are documents.
  CHECK(parse_yaml_text("a: 1\n---\nb: 2\n--- # c\nc: 3\n", "t.yaml").size() == 3);
  CHECK(parse_yaml_text("a: 1\n...\nb: 2\n", "t.yaml").size() == 2);
}

TEST_CASE("import: plain scalars typed by YAML 1.2's core schema; quoted ones stay strings") {
  const auto docs = parse_yaml_text(
      "n: [~, null, Null, NULL, '']\n"
      "b: [true, True, TRUE, false, False, FALSE, yes, 'true']\n"
      "i: [0, -12, +7, 0o17, 0x1f, 0xFF, 0o8, 0x, 99999999999999999999]\n"
      "f: [1.5, -.5, 2., 1e3, -1.5E-2, +3.0e+1, ., 1e, e3, 1.2.3]\n"
      "s: [.inf, -.Inf, +.INF, .nan, .NaN, -.nan, 12abc, '42', !!str 7]\n",
      "t.yaml");
  const json& v = docs[0].value;
  CHECK(v["n"] == json::parse(R"([null, null, null, null, ""])"));
  CHECK(v["b"] == json::parse(R"([true, true, true, false, false, false, "yes", "true"])"));
  CHECK(v["i"][0] == 0);
  CHECK(v["i"][1] == -12);
  CHECK(v["i"][2] == 7);
  CHECK(v["i"][3] == 15);
  CHECK(v["i"][4] == 31);
  CHECK(v["i"][5] == 255);
  CHECK(v["i"][6] == "0o8");
  CHECK(v["i"][7] == "0x");
  CHECK(v["i"][8].is_number_float());  // past a long long: read as a double
  CHECK(v["f"][0] == 1.5);
  CHECK(v["f"][1] == -0.5);
  CHECK(v["f"][2] == 2.0);
  CHECK(v["f"][3] == 1000.0);
  CHECK(v["f"][4] == -0.015);
  CHECK(v["f"][5] == 30.0);
  for (int k = 6; k < 10; ++k) CHECK(v["f"][k].is_string());
  CHECK(v["s"] == json::parse(R"([".inf", "-.Inf", "+.INF", ".nan", ".NaN", "-.nan", "12abc", "42", "7"])"));
}

TEST_CASE("import: text that is not UTF-8, a NUL and control characters") {
  CHECK(error_of("services:\n  \"api\xff\":\n    image: y\n") ==
        "t.yaml:2:7: byte \\xff is not UTF-8 text (YAML is UTF-8)");
  CHECK(error_of("a: \"x\\0y\"\n").find("a NUL character") != std::string::npos);
  CHECK(error_of(std::string("a: 1\n\0b: 2\n", 11)).rfind("t.yaml:2:1: a NUL character", 0) == 0);
  CHECK(bad_utf8("caf\xc3\xa9") == std::string::npos);
  CHECK(bad_utf8("ab\xc3") == 2);         // cut short
  CHECK(bad_utf8("\xc0\xaf") == 0);       // overlong
  CHECK(bad_utf8("\xed\xa0\x80") == 0);   // a surrogate
  CHECK(shown("\x1b[31mred\x07") == "\\x1b[31mred\\x07");
  CHECK(shown("\xc2\x9b" "2J") == "\\x9b2J");  // C1 CSI
  CHECK(shown(std::string(500, 'a'), 10) == "aaaaaaaaaa... (500 characters)");
  // An error line is cut, whatever the message holds.
  const ImportError long_one("f.yaml", "", std::string(9000, 'x'));
  CHECK(long_one.format().size() < ImportError::kMaxLine + 40);
}

TEST_CASE("import: a Helm template is refused with what to do") {
  const std::string e = error_of("metadata:\n  name: x\nspec:\n  replicas: {{ .Values.replicaCount }}\n");
  CHECK(e.rfind("t.yaml:4:13: a Helm template", 0) == 0);
  CHECK(e.find("helm template") != std::string::npos);
  // Go templates of other tools (a log format) are not Helm's.
  CHECK(error_of("services: {web: {image: x, labels: {fmt: \"{{.Name}}\"}}}\n").empty());
}

TEST_CASE("import: typed reads turn a wrongly typed field into the document's located error") {
  const auto docs = parse_yaml_text("kind: HorizontalPodAutoscaler\nspec:\nsel: app=web\nn: 1.5\nlist: {a: 1}\n", "h.yaml");
  const YamlNode root = YamlNode::root(docs[0]);
  const YamlNode spec = root["spec"];
  CHECK(!spec.present());  // `spec:` with nothing under it
  CHECK(!spec["scaleTargetRef"]["name"].present());
  try {
    spec["maxReplicas"].whole(1, 100);
    FAIL("no error");
  } catch (const ImportError& e) {
    CHECK(e.format() == "h.yaml:2:1: spec.maxReplicas: required: a whole number from 1 to 100");
  }
  try {
    root["sel"]["matchLabels"];
    FAIL("no error");
  } catch (const ImportError& e) {
    CHECK(e.format() == "h.yaml:3:6: sel: expected a map (with matchLabels), not a string");
  }
  CHECK_THROWS_WITH_AS(root["n"].whole(0, 9), doctest::Contains("not a fraction"), ImportError);
  CHECK_THROWS_WITH_AS(root["list"].items(), doctest::Contains("expected a list, not a map"), ImportError);
  CHECK_THROWS_WITH_AS(root["kind"].whole(0, 1), doctest::Contains("not a string"), ImportError);
  CHECK_THROWS_WITH_AS(root.only({"kind", "spec"}, "it"), doctest::Contains("not a field of it"), ImportError);
}

TEST_CASE("import: Compose interpolation as the specification defines it") {
  std::vector<std::string> unset;
  Variables vars;
  vars.values = {{"SET", "v"}, {"EMPTY", ""}, {"N", "3"}};
  vars.unset = &unset;
  YamlOptions opt;
  opt.variables = &vars;
  const auto docs = parse_yaml_text(
      "services:\n  web:\n    image: \"x:${SET}-$SET-${MISSING}\"\n    a: ${EMPTY:-d1} ${EMPTY-d2} ${MISSING-d3}\n"
      "    b: ${SET:+alt} ${EMPTY:+alt}|${EMPTY+alt}\n    c: $$HOME ${MISSING:-${SET}}\n    replicas: ${N:-2}\n"
      "    r2: ${NOPE:-2}\n",
      "c.yaml", opt);
  const json& web = docs[0].value["services"]["web"];
  CHECK(web["image"] == "x:v-v-");
  CHECK(web["a"] == "d1  d3");
  CHECK(web["b"] == "alt |alt");
  CHECK(web["c"] == "$HOME v");
  CHECK(web["replicas"] == 3);  // a plain scalar is typed after interpolation
  CHECK(web["r2"] == 2);
  CHECK(unset == std::vector<std::string>{"MISSING"});
  CHECK(error_of("services: {web: {image: \"${TAG:?set TAG first}\"}}\n", opt) ==
        "t.yaml:1:25: services.web.image: interpolation: required variable TAG is not set: set TAG first");
  CHECK(error_of("services: {web: {image: \"${TAG\"}}\n", opt).find("an unclosed ${") != std::string::npos);
  // Defaults nest (each level read by recursion): a value nesting thousands is refused, not a stack overflow.
  std::string nested;
  for (int i = 0; i < 5000; ++i) nested += "${A:-";
  nested += "x" + std::string(5000, '}');
  CHECK(error_of("services: {web: {image: \"" + nested + "\"}}\n", opt).find("nested more than 32 deep") != std::string::npos);
  // Kubernetes manifests are not interpolated ($(VAR) and ${VAR} there are the kubelet's or the shell's).
  CHECK(parse_yaml_text("kind: Pod\nx: ${SET}\n", "k.yaml", opt)[0].value["x"] == "${SET}");
}

TEST_CASE("import: several Compose files merge as Compose merges them, each node keeping its file") {
  const auto a = parse_yaml_text(
      "services:\n  api:\n    image: x:1\n    command: [a, b]\n    environment: [A=1, B=2]\n    ports: [\"80:80\"]\n"
      "    depends_on: [db]\n  db:\n    image: postgres\n",
      "a.yaml");
  const auto b = parse_yaml_text(
      "services:\n  api:\n    image: x:2\n    command: [c]\n    environment: {B: \"3\", C: \"4\"}\n    ports: [\"81:81\", \"80:80\"]\n"
      "    depends_on: {cache: {condition: service_started}}\n  cache:\n    image: redis\n",
      "b.yaml");
  const YamlDocument m = merge_compose({&a[0], &b[0]}, {});
  const json& api = m.value["services"]["api"];
  CHECK(api["image"] == "x:2");
  CHECK(api["command"] == json::array({"c"}));  // replaced whole
  CHECK(api["environment"] == json({{"A", "1"}, {"B", "3"}, {"C", "4"}}));
  CHECK(api["ports"] == json::array({"80:80", "81:81"}));
  CHECK(api["depends_on"].size() == 2);
  CHECK(m.value["services"].contains("cache"));
  CHECK(m.place("/services/api/image") == "b.yaml:3");
  CHECK(m.place("/services/db/image") == "a.yaml:9");
  CHECK(m.place("/services/api/ports/1") == "b.yaml:6");
  try {
    m.fail("/services/cache/image", "bad");
    FAIL("no error");
  } catch (const ImportError& e) {
    CHECK(e.format() == "b.yaml:9:12: services.cache.image: bad");
  }
}

TEST_CASE("import: extends resolves each service once and refuses what would copy a large base past a million values") {
  // A chain: each service extends the one before and adds a variable (a base copied into each).
  std::string chain = "services:\n  s0: {image: x, environment: [A0=0]}\n";
  for (int i = 1; i < 30; ++i)
    chain += "  s" + std::to_string(i) + ": {extends: s" + std::to_string(i - 1) + ", environment: [A" + std::to_string(i) + "=1]}\n";
  const auto docs = parse_yaml_text(chain, "c.yaml");
  const YamlDocument m = merge_compose({&docs[0]}, {});
  CHECK(m.value["services"]["s29"]["environment"].size() == 30);
  CHECK(m.value["services"]["s29"]["image"] == "x");
  CHECK(m.place("/services/s29/image") == "c.yaml:2");  // the inherited value keeps its own place
  CHECK(m.place("/services/s29") == "c.yaml:31");
  // 100,000 values behind an alias (within the document's million), copied into each of 40 services.
  std::string big = "x-a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 5; ++i) {
    big += "x-a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) big += std::string(k ? ", " : "") + (i == 1 ? "*a" : "*a" + std::to_string(i - 1));
    big += "]\n";
  }
  big += "services:\n  s0: {image: x, labels: {k: *a4}}\n";
  for (int i = 1; i < 40; ++i) big += "  s" + std::to_string(i) + ": {extends: s" + std::to_string(i - 1) + "}\n";
  const auto bomb = parse_yaml_text(big, "b.yaml");
  try {
    merge_compose({&bomb[0]}, {});
    FAIL("no error");
  } catch (const ImportError& e) {
    CHECK(e.format().find("more than a million values once extends copies") != std::string::npos);
  }
}

TEST_CASE("import: Compose byte values as Docker reads them") {
  CHECK(*compose_bytes("2GiB") == 2.0 * 1024 * 1024 * 1024);
  CHECK(*compose_bytes("512mb") == 512.0 * 1024 * 1024);
  CHECK(*compose_bytes("1 TB") == 1024.0 * 1024 * 1024 * 1024);
  CHECK(*compose_bytes("100") == 100);
  CHECK(!compose_bytes("2Gibibytes"));
  CHECK(!compose_bytes("5i"));
}
