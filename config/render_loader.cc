// The [render] section.
#include "config/render_loader.h"

#include <string>

namespace crawlbox::config {

void LoadRenderSection(ProblemList* problems, const toml::table& root,
                       RenderConfig* render) {
  const toml::node* node = root.get("render");
  if (node == nullptr) return;
  const toml::table* table = node->as_table();
  if (table == nullptr) {
    problems->Add(problems->At(*node), "render", "a table", TypeName(*node));
    return;
  }
  TableReader reader(problems, table, "render", problems->At(*table));
  reader.CheckKnownKeys({"urls", "tabs", "timeout_ms", "wait_for", "wait_until",
                         "load_images", "block", "chromium",
                         "recycle_tab_after", "recycle_browser_after",
                         "same_site_only"});
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
  reader.ReadInt("recycle_tab_after", 1, 1'000'000, &render->recycle_tab_after);
  reader.ReadInt("recycle_browser_after", 1, 100'000'000,
                 &render->recycle_browser_after);
  reader.ReadBool("same_site_only", &render->same_site_only);
}

}  // namespace crawlbox::config
