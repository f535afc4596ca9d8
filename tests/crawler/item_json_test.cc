// Tests of crawler/engine/item_json.h: the JSON text of a record must be
// byte for byte what nlohmann-json's ordered_json dump gives (the form every
// stored record had before ItemToJson wrote it directly), for listed and for
// random records.
#include "crawler/engine/item_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

namespace crawlbox::crawler {
namespace {

// The reference: the record through nlohmann's ordered_json tree.
std::string ThroughTree(const parser::Item& item) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [name, value] : item.fields) {
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>) {
            j[name] = nullptr;
          } else {
            j[name] = v;
          }
        },
        value);
  }
  return j.dump(-1, ' ', false,
                nlohmann::ordered_json::error_handler_t::replace);
}

parser::Item Record(
    std::vector<std::pair<std::string, parser::FieldValue>> fields) {
  parser::Item item;
  item.rule = "r";
  item.fields = std::move(fields);
  return item;
}

TEST(ItemJsonTest, MatchesNlohmannOnListedRecords) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const parser::Item items[] = {
      Record({}),
      Record({{"rank", int64_t{7}},
              {"title", std::string("霸王别姬")},
              {"score", 9.5},
              {"actor", std::monostate{}}}),
      Record({{"a", std::string("quote \" back \\ slash / tab\t nl\n")},
              {"b", std::string("\x01\x1f\x7f\b\f\r")},
              {"c", -0.0},
              {"d", 1e20},
              {"e", 9.0},
              {"f", nan},
              {"g", std::numeric_limits<int64_t>::min()}}),
      Record({{"name \"q\"\n", std::string("")}, {"", int64_t{0}}}),
      // Invalid UTF-8 (nlohmann replaces it) and a name given twice (the
      // first position, the last value).
      Record({{"t", std::string("ok \xC3 bad \xE2\x82 end")}}),
      Record({{"\xFF", std::string("x")}}),
      Record({{"x", int64_t{1}}, {"y", int64_t{2}}, {"x", std::string("z")}}),
  };
  for (const parser::Item& item : items) {
    EXPECT_EQ(ItemToJson(item), ThroughTree(item));
  }
  EXPECT_EQ(ItemToJson(items[1]),
            "{\"rank\":7,\"title\":\"霸王别姬\",\"score\":9.5,\"actor\":null}");
}

TEST(ItemJsonTest, MatchesNlohmannOnRandomRecords) {
  const std::string bytes =
      "aZ9 \"\\/\b\f\n\r\t\x01\x1f\x7f\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
  std::mt19937 rng(20261207);
  std::uniform_int_distribution<int> kind(0, 3), count(0, 6), length(0, 10);
  std::uniform_int_distribution<size_t> pick(0, bytes.size() - 1);
  std::uniform_real_distribution<double> real(-1e6, 1e6);
  auto text = [&] {
    std::string s;
    for (int n = length(rng); n > 0; --n) s += bytes[pick(rng)];
    return s;
  };
  for (int i = 0; i < 5000; ++i) {
    std::vector<std::pair<std::string, parser::FieldValue>> fields;
    for (int f = count(rng); f > 0; --f) {
      parser::FieldValue value;
      switch (kind(rng)) {
        case 0:
          value = std::monostate{};
          break;
        case 1:
          value = static_cast<int64_t>(rng()) - (int64_t{1} << 31);
          break;
        case 2:
          value = std::round(real(rng) * 100) / 100;
          break;
        default:
          value = text();
          break;
      }
      fields.emplace_back(f % 3 == 0 ? "k" : text(), std::move(value));
    }
    const parser::Item item = Record(std::move(fields));
    ASSERT_EQ(ItemToJson(item), ThroughTree(item)) << "record " << i;
  }
}

}  // namespace
}  // namespace crawlbox::crawler
