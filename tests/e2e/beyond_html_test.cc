// Jobs beyond static HTML, end to end against the API test site: the
// cursor-paginated JSON API (also killed -9 and resumed), a search behind a
// POST form, a members area behind a login whose password never reaches the
// database, the output or the status page, and seed requests with JSON
// bodies paged by next_request.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "tests/e2e/crawl_support.h"
#include "tests/support/api_data.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox {
namespace {

using testing::BuiltProgram;
using testing::ChildProcess;
using testing::ProcessResult;
using testing::RequestRecord;
using testing::TempDir;
using testing::TestServer;

constexpr int kItemPages = testing::kApiItemCount / testing::kApiItemsPerPage;

std::string JobPath(const std::string& name) {
  return std::string(CRAWLBOX_SOURCE_DIR) + "/config/jobs/" + name;
}

// Loads config/jobs/<name> with API_SITE pointing at `server`.
config::LoadedJob LoadApiJob(const std::string& name,
                             const TestServer& server) {
  setenv("API_SITE", server.Url("").c_str(), 1);
  config::LoadedJob loaded = config::LoadJobFile(JobPath(name));
  unsetenv("API_SITE");
  return loaded;
}

// Sets an environment variable for the life of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A password no page, job or log could hold by chance.
std::string RandomPassword() {
  std::random_device random;
  std::string out = "pw-";
  static const char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 24; ++i) out += kHex[random() % 16];
  return out;
}

// The requests whose target starts with `prefix`.
std::vector<RequestRecord> RequestsTo(const TestServer& server,
                                      const std::string& prefix) {
  std::vector<RequestRecord> out;
  for (RequestRecord& r : server.RequestLog()) {
    if (r.target.starts_with(prefix)) out.push_back(std::move(r));
  }
  return out;
}

// Every request of `log` differs in method, target or body from the others.
void ExpectEachRequestOnce(const std::vector<RequestRecord>& log) {
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  for (const RequestRecord& r : log) {
    EXPECT_TRUE(seen.emplace(r.method, r.target, r.body).second)
        << "twice: " << r.method << " " << r.target << " " << r.body;
  }
}

std::string Text(const storage::Value& v) {
  return std::holds_alternative<std::string>(v) ? std::get<std::string>(v)
                                                : "<not text>";
}
int64_t Int(const storage::Value& v) {
  return std::holds_alternative<int64_t>(v) ? std::get<int64_t>(v) : -1;
}
double Real(const storage::Value& v) {
  if (std::holds_alternative<double>(v)) return std::get<double>(v);
  if (std::holds_alternative<int64_t>(v)) return std::get<int64_t>(v);
  return -1;
}

// Checks that the rows of (id, name, price) are exactly the items `ids`,
// each once, every field as the site has it.
void ExpectItems(const storage::QueryResult& rows, std::vector<int> ids) {
  std::sort(ids.begin(), ids.end());
  ASSERT_EQ(rows.rows.size(), ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    const auto& row = rows.rows[i];
    const testing::ApiItemRecord item = testing::ApiItem(ids[i]);
    SCOPED_TRACE("item " + std::to_string(item.id));
    EXPECT_EQ(Int(row[0]), item.id);
    EXPECT_EQ(Text(row[1]), item.name);
    EXPECT_DOUBLE_EQ(Real(row[2]), item.price_cents / 100.0);
  }
}

// One site for the tests that need no special options; each starts with
// empty counts and no latency.
class BeyondHtmlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new TestServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    server_->SetLatency(std::chrono::milliseconds(0));
    server_->ResetCounts();
  }
  void TearDown() override {
    server_->SetLatency(std::chrono::milliseconds(0));
  }

  static TestServer* server_;
};

TestServer* BeyondHtmlTest::server_ = nullptr;

TEST_F(BeyondHtmlTest, ApiJobStoresEveryItemOnceFetchingEachPageOnce) {
  TempDir dir;
  const std::string db = dir.File("api.db");
  e2e::JobRun run = e2e::RunJob(LoadApiJob("api.toml", *server_), db);
  EXPECT_EQ(run.summary.state, "finished");
  EXPECT_EQ(run.summary.items, testing::kApiItemCount);

  auto rows = e2e::QueryDb(
      db, "SELECT id, name, price, tags FROM api_items ORDER BY id");
  std::vector<int> ids;
  for (int id = 1; id <= testing::kApiItemCount; ++id) ids.push_back(id);
  ExpectItems(rows, ids);
  for (size_t i = 0; i < rows.rows.size(); ++i) {
    const testing::ApiItemRecord item = testing::ApiItem(int(i) + 1);
    const nlohmann::json tags =
        nlohmann::json::parse(Text(rows.rows[i][3]), nullptr, false);
    EXPECT_TRUE(tags.is_array() && tags == nlohmann::json(item.tags))
        << "item " << item.id << ": " << Text(rows.rows[i][3]);
  }

  const std::vector<RequestRecord> log = RequestsTo(*server_, "/api/items");
  EXPECT_EQ(log.size(), size_t{kItemPages});
  ExpectEachRequestOnce(log);
  std::set<std::string> want = {"/api/items"};
  for (int page = 1; page < kItemPages; ++page)
    want.insert("/api/items?cursor=" +
                testing::ApiCursor(page * testing::kApiItemsPerPage));
  std::set<std::string> got;
  for (const RequestRecord& r : log) {
    EXPECT_EQ(r.method, "GET") << r.target;
    got.insert(r.target);
  }
  EXPECT_EQ(got, want);
}

TEST_F(BeyondHtmlTest, SearchFormJobPostsEachPageOnceAndSkipsTheDecoy) {
  TempDir dir;
  const std::string db = dir.File("search.db");
  e2e::JobRun run = e2e::RunJob(LoadApiJob("search_form.toml", *server_), db);
  EXPECT_EQ(run.summary.state, "finished");

  // What the form sends by default: relevance order, in stock only.
  testing::ApiSearchQuery query;
  query.q = "sprocket";
  query.sort = testing::SearchSort::kRelevance;
  query.in_stock_only = true;
  const std::vector<int> ids = testing::ApiSearchIds(query);
  ASSERT_GT(ids.size(), size_t{testing::kSearchHitsPerPage});
  ExpectItems(e2e::QueryDb(db, "SELECT id, name, price FROM hits ORDER BY id"),
              ids);

  const std::vector<RequestRecord> posts =
      RequestsTo(*server_, "/app/search/results");
  EXPECT_EQ(posts.size(), size_t(testing::SearchPageCount(ids.size())));
  ExpectEachRequestOnce(posts);
  for (const RequestRecord& r : posts) {
    EXPECT_EQ(r.method, "POST") << r.body;
    EXPECT_NE(r.body.find("q=sprocket"), std::string::npos) << r.body;
  }
  EXPECT_EQ(RequestsTo(*server_, "/app/newsletter").size(), 0u);
}

TEST_F(BeyondHtmlTest, SeedRequestWithJsonBodyPagesByBodyTemplate) {
  TempDir dir;
  const std::string db = dir.File("requests.db");
  // The body template doubles the JSON object's own braces: in a template
  // "{{" and "}}" are literal braces and "{$...}" is a placeholder.
  const std::string toml = R"toml(
[job]
name = "api_search"

[[job.requests]]
url = ")toml" + server_->Url("/api/search") +
                           R"toml("
json = { q = "sprocket" }

[politeness]
delay_ms = 0

[[rules]]
name = "found"
url = '/api/search$'
records = "$.items[*]"
next_request = { url = "/api/search", body = '{{"q":"sprocket","page":{$.next_page}}}', until = "$.has_more == false" }

[rules.fields]
id = { json = "$.id", type = "int", required = true }
name = "$.name"
price = { json = "$.price", type = "real" }
)toml";
  e2e::JobRun run = e2e::RunJobText(toml, db);
  EXPECT_EQ(run.summary.state, "finished");

  testing::ApiSearchQuery query;
  query.q = "sprocket";
  const std::vector<int> ids = testing::ApiSearchIds(query);
  ASSERT_GT(ids.size(), size_t{testing::kSearchHitsPerPage});
  ExpectItems(e2e::QueryDb(db, "SELECT id, name, price FROM found ORDER BY id"),
              ids);

  const std::vector<RequestRecord> posts = RequestsTo(*server_, "/api/search");
  EXPECT_EQ(posts.size(), size_t(testing::SearchPageCount(ids.size())));
  ExpectEachRequestOnce(posts);
  for (const RequestRecord& r : posts) {
    EXPECT_EQ(r.method, "POST") << r.body;
    EXPECT_TRUE(r.content_type.starts_with("application/json"))
        << r.content_type;
  }
}

// Paths of the item pages stored in `db`.
std::set<std::string> StoredItemPages(const std::string& db,
                                      const TestServer& server) {
  std::set<std::string> out;
  const std::string prefix = server.Url("");
  for (const auto& row :
       e2e::QueryDb(db, "SELECT url FROM pages WHERE url LIKE '%/api/items%'")
           .rows) {
    out.insert(std::get<std::string>(row[0]).substr(prefix.size()));
  }
  return out;
}

constexpr int kKills = 5;

TEST_F(BeyondHtmlTest, ApiJobKilledFiveTimesResumesToEveryItemOnce) {
  TempDir dir;
  const std::string db = dir.File("api.db");
  const std::map<std::string, std::string> env = {
      {"API_SITE", server_->Url("")}};
  const std::vector<std::string> argv = {
      BuiltProgram("crawlbox"), "run", JobPath("api.toml"), "--db", db, "-q"};
  // One page at a time, 60 ms each: the 50 pages take some 3 s, and every
  // kill lands inside the chain.
  server_->SetLatency(std::chrono::milliseconds(60));
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("random seed " + std::to_string(seed));
  std::mt19937 random(seed);
  const std::string count_sql =
      "SELECT count(*) FROM pages WHERE url LIKE '%/api/items%'";
  int64_t stored = 0;
  for (int kill = 0; kill < kKills; ++kill) {
    ChildProcess crawl(argv, env, dir.path().string());
    ASSERT_TRUE(
        e2e::WaitForCount(db, count_sql, stored + 2, std::chrono::seconds(30)))
        << "kill " << kill;
    std::this_thread::sleep_for(std::chrono::milliseconds(
        std::uniform_int_distribution<int>(0, 200)(random)));
    crawl.Signal(SIGKILL);
    ProcessResult r = crawl.Wait();
    ASSERT_EQ(r.exit_code, 128 + SIGKILL) << "kill " << kill << ": " << r.err;
    stored = e2e::CountDb(db, count_sql);
    ASSERT_LT(stored, kItemPages) << "kill " << kill << " came after the end";
  }
  server_->SetLatency(std::chrono::milliseconds(0));
  ProcessResult last = testing::RunProcess(argv, env);
  ASSERT_EQ(last.exit_code, 0) << last.err;

  EXPECT_EQ(e2e::CountDb(db, count_sql), kItemPages);
  EXPECT_EQ(StoredItemPages(db, *server_).size(), size_t{kItemPages});
  EXPECT_EQ(e2e::CountDb(db,
                         "SELECT count(*) FROM frontier WHERE state != "
                         "'done'"),
            0);
  EXPECT_EQ(e2e::CountDb(db, "SELECT count(*) FROM crawls"), kKills + 1);
  EXPECT_EQ(e2e::CountDb(db, "SELECT count(*) FROM api_items"),
            testing::kApiItemCount);
  EXPECT_EQ(e2e::CountDb(db, "SELECT count(DISTINCT id) FROM api_items"),
            testing::kApiItemCount);
  EXPECT_EQ(e2e::CountDb(db, "SELECT min(id) FROM api_items"), 1);
  EXPECT_EQ(e2e::CountDb(db, "SELECT max(id) FROM api_items"),
            testing::kApiItemCount);
  // A page in flight at a kill is fetched again, never more.
  for (const std::string& path : StoredItemPages(db, *server_)) {
    EXPECT_GE(server_->Hits(path), 1) << path;
    EXPECT_LE(server_->Hits(path), 2) << path;
  }
}

// (name, since) of every member record.
using Members = std::multiset<std::pair<std::string, int64_t>>;

Members ExpectedMembers() {
  Members out;
  for (int page = 1; page <= testing::kMemberPages; ++page) {
    for (const testing::MemberRecord& m : testing::MembersOnPage(page))
      out.emplace(m.name, m.since);
  }
  return out;
}

Members StoredMembers(const std::string& db) {
  Members out;
  for (const auto& row :
       e2e::QueryDb(db, "SELECT name, since FROM members").rows) {
    out.emplace(Text(row[0]), Int(row[1]));
  }
  return out;
}

// The password in any of the database's files.
void ExpectNotInDatabase(const std::string& db, const std::string& password) {
  for (const std::string& path : {db, db + "-wal", db + "-shm"}) {
    if (!std::filesystem::exists(path)) continue;
    EXPECT_EQ(ReadFile(path).find(password), std::string::npos) << path;
  }
  for (const auto& row :
       e2e::QueryDb(db, "SELECT job_text, coalesce(stats, '') FROM crawls")
           .rows) {
    EXPECT_EQ(Text(row[0]).find(password), std::string::npos);
    EXPECT_EQ(Text(row[1]).find(password), std::string::npos);
  }
}

struct LoginServer {
  explicit LoginServer(int session_max_requests)
      : password(RandomPassword()), server([&] {
          testing::TestServerOptions options;
          options.login_password = password;
          options.session_max_requests = session_max_requests;
          return options;
        }()) {}
  std::string password;
  TestServer server;
};

TEST(LoginCrawlTest, RobotsTxtIsAskedForTheLoginUnlessTheJobSaysNot) {
  LoginServer site(0);
  site.server.SetRobotsTxt("User-agent: *\nDisallow: /app/login\n");
  TempDir dir;
  ScopedEnv password("CRAWLBOX_LOGIN_PASSWORD", site.password);
  config::LoadedJob obeying = LoadApiJob("login.toml", site.server);
  ASSERT_TRUE(obeying.ok());
  obeying.job.retry.max_attempts = 1;
  e2e::JobRun blocked = e2e::RunJob(obeying, dir.File("obeying.db"));
  // Not sent, but recorded: the run's counters say so, and the members
  // pages (served to a stranger) fail logged_out.
  EXPECT_EQ(blocked.counters["login/blocked"], 1);
  EXPECT_EQ(site.server.api_site().Logins().succeeded, 0);
  EXPECT_EQ(site.server.Hits("/app/login"), 0);
  EXPECT_EQ(e2e::QueryDb(dir.File("obeying.db"),
                         "SELECT count(*) FROM frontier WHERE reason = "
                         "'logged_out'")
                .rows[0][0],
            storage::Value(int64_t{1}));

  config::LoadedJob ignoring = LoadApiJob("login.toml", site.server);
  ignoring.job.login.obey_robots = false;
  e2e::JobRun logged_in = e2e::RunJob(ignoring, dir.File("ignoring.db"));
  EXPECT_EQ(logged_in.counters["login/ok"], 1);
  EXPECT_EQ(site.server.api_site().Logins().succeeded, 1);
  EXPECT_EQ(StoredMembers(dir.File("ignoring.db")), ExpectedMembers());
}

TEST(LoginCrawlTest, LoginJobStoresEveryMember) {
  LoginServer site(0);
  TempDir dir;
  const std::string db = dir.File("login.db");
  {
    ScopedEnv password("CRAWLBOX_LOGIN_PASSWORD", site.password);
    e2e::JobRun run = e2e::RunJob(LoadApiJob("login.toml", site.server), db);
    EXPECT_EQ(run.summary.state, "finished");
  }
  EXPECT_EQ(StoredMembers(db), ExpectedMembers());
  // One login (the session never ends), and then each request once: the
  // members index and its 20 pages, the login page and its form's POST.
  EXPECT_EQ(site.server.api_site().Logins().succeeded, 1);
  EXPECT_EQ(site.server.api_site().Logins().failed, 0);
  EXPECT_EQ(site.server.Hits("/app/logout"), 0);
  std::map<std::string, int> requests;
  for (const auto& request : site.server.RequestLog())
    ++requests[request.method + " " + request.target];
  EXPECT_EQ(requests.size(), 1u + 20u + 2u + 1u);  // + robots.txt
  for (const auto& [request, count] : requests)
    EXPECT_EQ(count, request == "GET /robots.txt" ? count : 1) << request;
  EXPECT_EQ(requests["GET /app/members"], 1);
  EXPECT_EQ(requests["POST /app/login"], 1);
  ExpectNotInDatabase(db, site.password);
}

TEST(LoginCrawlTest, ExpiredSessionsAreLoggedInAgainAndPagesRefetched) {
  LoginServer site(7);
  TempDir dir;
  const std::string db = dir.File("login.db");
  {
    ScopedEnv password("CRAWLBOX_LOGIN_PASSWORD", site.password);
    e2e::JobRun run = e2e::RunJob(LoadApiJob("login.toml", site.server), db);
    EXPECT_EQ(run.summary.state, "finished");
  }
  EXPECT_EQ(StoredMembers(db), ExpectedMembers());
  EXPECT_GT(site.server.api_site().Logins().succeeded, 1);
  EXPECT_EQ(site.server.api_site().Logins().failed, 0);
  ExpectNotInDatabase(db, site.password);
}

// The port of the status page a crawlbox child announced on stderr, or 0
// after 30 s.
int WaitForStatusPort(const std::string& err_path) {
  const std::regex line(R"(status page at http://127\.0\.0\.1:(\d+)/)");
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    const std::string err = ReadFile(err_path);
    if (std::regex_search(err, m, line)) return std::stoi(m[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 0;
}

TEST(LoginCrawlTest, PasswordReachesNeitherOutputNorStatusPageNorDatabase) {
  LoginServer site(7);
  // Slow enough that the status page is still up when asked.
  site.server.SetLatency(std::chrono::milliseconds(150));
  TempDir dir;
  const std::string db = dir.File("login.db");
  ChildProcess crawl({BuiltProgram("crawlbox"), "-v", "run",
                      JobPath("login.toml"), "--db", db},
                     {{"API_SITE", site.server.Url("")},
                      {"CRAWLBOX_LOGIN_PASSWORD", site.password}},
                     dir.path().string());
  const int port = WaitForStatusPort(crawl.err_path());
  ASSERT_NE(port, 0) << ReadFile(crawl.err_path());
  {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(10);
    for (const char* path :
         {"/", "/api/status", "/api/hosts", "/api/errors",
          "/api/items?rule=members&limit=500", "/api/fleet", "/metrics"}) {
      auto res = client.Get(path);
      ASSERT_TRUE(res) << path;
      EXPECT_EQ(res->status, 200) << path;
      EXPECT_EQ(res->body.find(site.password), std::string::npos) << path;
    }
  }
  ProcessResult r = crawl.Wait();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadFile(crawl.out_path()).find(site.password), std::string::npos);
  EXPECT_EQ(ReadFile(crawl.err_path()).find(site.password), std::string::npos);
  EXPECT_EQ(StoredMembers(db), ExpectedMembers());
  ExpectNotInDatabase(db, site.password);
}

}  // namespace
}  // namespace crawlbox
