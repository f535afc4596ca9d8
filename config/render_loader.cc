// The [render] section.
#include "config/render_loader.h"

#include <string>
#include <string_view>
#include <vector>

namespace crawlbox::config {
namespace {

// A flag of the user's may not be a positional argument (Chromium would open
// it as a URL) nor move the DevTools pipe or the profile, which crawlbox
// drives and removes.
bool IsUserChromiumFlag(std::string_view flag) {
  if (flag.size() < 3 || !flag.starts_with("--")) return false;
  const std::string_view name = flag.substr(0, flag.find('='));
  return !name.starts_with("--remote-debugging-") &&
         name != "--user-data-dir" && name != "--disk-cache-dir";
}

}  // namespace

void LoadRenderSection(ProblemList* problems, const toml::table& root,
                       const std::vector<Rule>& rules, RenderConfig* render) {
  const toml::node* node = root.get("render");
  if (node == nullptr) return;
  const toml::table* table = node->as_table();
  if (table == nullptr) {
    problems->Add(problems->At(*node), "render", "a table", TypeName(*node));
    return;
  }
  TableReader reader(problems, table, "render", problems->At(*table));
  reader.CheckKnownKeys({"urls", "tabs", "timeout_ms", "wait_for", "wait_until",
                         "load_images", "block", "chromium", "chromium_flags",
                         "recycle_tab_after", "recycle_browser_after",
                         "capture", "capture_max_bytes", "same_site_only"});
  render->urls = reader.ReadRegexArray("urls");
  // tabs: 1..64, default 4.
  reader.ReadInt("tabs", 1, 64, &render->tabs);
  // timeout_ms: 100..600000, default 30000.
  reader.ReadInt("timeout_ms", int64_t{100}, int64_t{600'000},
                 &render->timeout_ms);
  reader.ReadString("wait_for", /*non_empty=*/true, &render->wait_for);
  std::string wait_until;
  SourceLocation wait_until_where;
  if (reader.ReadString("wait_until", /*non_empty=*/true, &wait_until,
                        &wait_until_where)) {
    if (wait_until == "networkidle") {
      render->network_idle = true;
    } else if (wait_until != "load") {
      problems->Add(wait_until_where, reader.PathOf("wait_until"),
                    "one of load, networkidle", Quote(wait_until));
    }
  }
  reader.ReadBool("load_images", &render->load_images);
  std::vector<LocatedString> block;
  reader.ReadStringArray("block", /*non_empty=*/false, &block);
  for (LocatedString& pattern : block)
    render->block.push_back(std::move(pattern.value));
  SourceLocation chromium_where;
  if (reader.ReadString("chromium", /*non_empty=*/true, &render->chromium,
                        &chromium_where)) {
    ExpandEnvironment(problems, reader.PathOf("chromium"), chromium_where,
                      &render->chromium);
  }
  std::vector<LocatedString> flags;
  reader.ReadStringArray("chromium_flags", /*non_empty=*/false, &flags);
  for (LocatedString& flag : flags) {
    if (!IsUserChromiumFlag(flag.value)) {
      problems->Add(flag.where,
                    reader.PathOf("chromium_flags") + "[" +
                        std::to_string(flag.index) + "]",
                    "a flag starting with '--', not one crawlbox sets "
                    "(--remote-debugging-*, --user-data-dir, --disk-cache-dir)",
                    Quote(flag.value));
      continue;
    }
    render->chromium_flags.push_back(std::move(flag.value));
  }
  reader.ReadInt("recycle_tab_after", 1, 1'000'000, &render->recycle_tab_after);
  reader.ReadInt("recycle_browser_after", 1, 100'000'000,
                 &render->recycle_browser_after);
  render->capture = reader.ReadRegexArray("capture");
  // capture_max_bytes: 1..2 GiB, as fetch.max_body_bytes.
  reader.ReadInt("capture_max_bytes", int64_t{1}, int64_t{2'147'483'648},
                 &render->capture_max_bytes);
  // Only rendered pages capture: patterns with no page to render would
  // silently do nothing. urls is counted as written, so that a broken
  // pattern there is not reported twice.
  const toml::node* capture = reader.Find("capture");
  const toml::array* urls = table->get_as<toml::array>("urls");
  bool renders = urls != nullptr && !urls->empty();
  for (const Rule& rule : rules) renders = renders || rule.render;
  if (capture != nullptr && !render->capture.empty() && !renders) {
    problems->Add(problems->At(*capture), reader.PathOf("capture"),
                  "pages to render (a rule with render = true, or render.urls)",
                  "none: only rendered pages capture");
  }
  reader.ReadBool("same_site_only", &render->same_site_only);
}

}  // namespace crawlbox::config
