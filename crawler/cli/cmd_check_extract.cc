// `crawlbox check JOB` and `crawlbox extract JOB ...`: the job-file and
// rule-writing loop.
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <future>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <vector>

#include "config/job_loader.h"
#include "crawler/cli/commands.h"
#include "crawler/engine/captured_documents.h"
#include "crawler/engine/counters.h"
#include "crawler/engine/item_json.h"
#include "crawler/engine/login_step.h"
#include "crawler/engine/render_policy.h"
#include "crawler/fetch/fetcher.h"
#include "crawler/render/renderer.h"

namespace crawlbox::crawler {

namespace {

// Hands out nothing: the extract session's exchanges run in the Fetcher's
// login step, on its thread, so that they share its cookie jar.
class NoRequests : public RequestSource {
 public:
  std::optional<Request> NextRequest(std::chrono::milliseconds*) override {
    return std::nullopt;
  }
};

// `request` sent as the crawl would send it, after the job's [login] when it
// has one (with the same cookie jar), its redirects followed (HTTP's method
// rules) and told on stderr: the crawl takes every hop through its frontier,
// but the rule-writing loop wants the page a request leads to.
Response FetchForExtract(const config::Job& job,
                         const parser::PageParser& parser, Request request) {
  Counters counters;
  LoginStep login(job, parser, &counters);
  NoRequests source;
  std::promise<Response> done;
  Fetcher fetcher(job.fetch, &source, [](Response&&) {});
  fetcher.SetLoginStep([&](const Fetcher::Exchange& exchange) {
    if (job.login.enabled) {
      login.Run(exchange);
      for (const auto& [name, count] : counters.Snapshot())
        std::fprintf(stderr, "crawlbox: %s\n", name.c_str());
    }
    bool stopped = false;
    Response response = ExchangeFollowing(
        exchange, request, job.fetch.max_redirects,
        [&](const Request& hop, const Response* answer) {
          auto location =
              answer != nullptr ? answer->Header("location") : std::nullopt;
          if (answer != nullptr && answer->ok() && answer->status >= 300 &&
              answer->status < 400 && location) {
            auto base = parser::ParseUrl(hop.url);
            auto target =
                parser::ParseUrl(*location, base.ok() ? &*base : nullptr);
            std::fprintf(stderr,
                         "crawlbox: %s%s answered HTTP %d, redirect to %s\n",
                         hop.method == "GET" ? "" : (hop.method + " ").c_str(),
                         hop.url.c_str(), answer->status,
                         target.ok() ? parser.CrawlKey(*target).c_str()
                                     : std::string(*location).c_str());
          }
          return true;
        },
        &stopped);
    done.set_value(std::move(response));
  });
  if (!fetcher.Start().ok()) {
    Response failed;
    failed.error = FetchError::kOther;
    failed.error_detail = "cannot start the fetcher";
    return failed;
  }
  Response response = done.get_future().get();
  fetcher.Stop();
  return response;
}

// The cookies the job's [login] earns, for pages rendered as the crawl
// renders them (with the session).
std::vector<Cookie> LoginCookies(const config::Job& job,
                                 const parser::PageParser& parser) {
  Counters counters;
  LoginStep login(job, parser, &counters);
  NoRequests source;
  std::promise<std::vector<Cookie>> done;
  Fetcher fetcher(job.fetch, &source, [](Response&&) {});
  fetcher.SetLoginStep([&](const Fetcher::Exchange& exchange) {
    login.Run(exchange);
    for (const auto& [name, count] : counters.Snapshot())
      std::fprintf(stderr, "crawlbox: %s\n", name.c_str());
  });
  fetcher.SetCookiesHook(
      [&](std::vector<Cookie> cookies) { done.set_value(std::move(cookies)); });
  if (!fetcher.Start().ok()) return {};
  std::vector<Cookie> cookies = done.get_future().get();
  fetcher.Stop();
  return cookies;
}

// `request` loaded in headless Chromium as the crawl would render it (the
// job's [render] settings, its [login] session and the wait `options` ask
// for). The crawl takes a rendered page's redirect as a hop through its
// frontier; the rule-writing loop wants the page it leads to, so redirects
// are rendered in turn, up to fetch.max_redirects, and told on stderr.
Response RenderForExtract(const config::Job& job,
                          const parser::PageParser& parser,
                          const RenderPolicy& policy, Request request,
                          RenderOptions options) {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Response> done;
  Renderer renderer(policy.Settings(), [&](Response&& response) {
    std::lock_guard lock(mu);
    done = std::move(response);
    cv.notify_all();
  });
  if (job.login.enabled) renderer.SetCookies(LoginCookies(job, parser));
  config::Status started = renderer.Start();
  if (!started.ok()) {
    Response failed;
    failed.request = std::move(request);
    failed.error = FetchError::kOther;
    failed.error_detail = started.message();
    return failed;
  }
  Response response;
  for (int hops = 0;; ++hops) {
    renderer.Render(request, options);
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return done.has_value(); });
      response = std::move(*done);
      done.reset();
    }
    std::fprintf(stderr, "crawlbox: rendered in %.0f ms\n", response.render_ms);
    auto location = response.Header("location");
    if (!response.ok() || response.status < 300 || response.status >= 400 ||
        !location || hops >= job.fetch.max_redirects)
      break;
    auto base = parser::ParseUrl(request.url);
    auto target = parser::ParseUrl(*location, base.ok() ? &*base : nullptr);
    if (!target.ok() || !target->IsHttp()) break;
    request.url = parser.CrawlKey(*target);
    request.host = target->host;
    // The target waits for what its own rule asks.
    policy.Wants(request.url, &options);
    std::fprintf(stderr, "crawlbox: %s answered HTTP %d, redirect to %s\n",
                 response.request.url.c_str(), response.status,
                 request.url.c_str());
  }
  renderer.Stop();
  // Captured documents (render.capture): their records are the page's.
  for (const Captured& captured : response.captured) {
    if (captured.error.empty()) {
      std::fprintf(stderr, "crawlbox: captured %s (%zu bytes)\n",
                   captured.url.c_str(), captured.body.size());
    } else {
      std::fprintf(stderr, "crawlbox: captured %s: not read: %s (%s)\n",
                   captured.url.c_str(), captured.error.c_str(),
                   captured.error_detail.c_str());
    }
  }
  return response;
}

// What the page tells crawlers, and the bounds it hit, one line each on
// stderr (stdout stays the links or records, for pipes).
void PrintDirectives(const config::Job& job, const parser::Parsed& parsed) {
  if (parsed.robots.noindex || parsed.robots.nofollow) {
    std::string which;
    if (parsed.robots.noindex) which = "noindex";
    if (parsed.robots.nofollow)
      which += which.empty() ? "nofollow" : ", nofollow";
    std::fprintf(stderr, "crawlbox: robots: %s (%s)\n", which.c_str(),
                 job.politeness.meta_robots
                     ? "obeyed"
                     : "not obeyed: politeness.meta_robots = false");
  }
  if (parsed.refresh) {
    const parser::Refresh& refresh = *parsed.refresh;
    std::string fate;
    if (!refresh.target) {
      fate = "no other page to go to";
    } else if (refresh.ignored) {
      fate = "ignored: longer than fetch.max_refresh_delay_s = " +
             std::to_string(job.fetch.max_refresh_delay_s);
    } else {
      fate = "followed";
    }
    std::fprintf(stderr, "crawlbox: refresh: after %lld s to %s (%s)\n",
                 static_cast<long long>(refresh.delay_s),
                 refresh.target ? refresh.target->url.c_str() : "(itself)",
                 fate.c_str());
  }
  if (parsed.canonical) {
    std::fprintf(
        stderr, "crawlbox: canonical: %s%s\n", parsed.canonical->url.c_str(),
        job.scope.follow_canonical ? " (followed when it differs)" : "");
  }
  for (const parser::Cut& cut : parsed.cuts) {
    std::fprintf(stderr, "crawlbox: cut: %s (%lld)\n", cut.what.c_str(),
                 static_cast<long long>(cut.count));
  }
}

}  // namespace

bool LoadJobOrReport(const std::string& path, config::Job* job,
                     std::unique_ptr<parser::PageParser>* parser) {
  return CompileJobOrReport(config::LoadJobFile(path), path, job, parser);
}

bool CompileJobOrReport(config::LoadedJob loaded, const std::string& path,
                        config::Job* job,
                        std::unique_ptr<parser::PageParser>* parser) {
  std::vector<config::JobProblem> problems = std::move(loaded.problems);
  *job = std::move(loaded.job);
  if (problems.empty()) {
    // Seeds and selectors are checked only on a job that loaded, so that a
    // syntax error is not followed by noise about missing values.
    *parser = parser::PageParser::Compile(*job, &problems);
  }
  if (problems.empty()) return true;
  std::stable_sort(
      problems.begin(), problems.end(),
      [](const config::JobProblem& a, const config::JobProblem& b) {
        return a.where.line < b.where.line;
      });
  for (const config::JobProblem& p : problems) {
    std::fprintf(stderr, "crawlbox: %s\n", p.ToString().c_str());
  }
  std::fprintf(stderr, "crawlbox: %zu problem%s in %s\n", problems.size(),
               problems.size() == 1 ? "" : "s", path.c_str());
  return false;
}

int CmdCheck(const std::string& job_file) {
  config::Job job;
  std::unique_ptr<parser::PageParser> parser;
  if (!LoadJobOrReport(job_file, &job, &parser)) return kExitBadInput;
  std::printf("%s: OK: job '%s', %zu start URL%s, %zu rule%s, database %s\n",
              job_file.c_str(), job.name.c_str(), job.seeds.size(),
              job.seeds.size() == 1 ? "" : "s", job.rules.size(),
              job.rules.size() == 1 ? "" : "s", job.database.c_str());
  return kExitOk;
}

int CmdExtract(const ExtractArgs& args) {
  config::Job job;
  std::unique_ptr<parser::PageParser> parser;
  if (!LoadJobOrReport(args.job_file, &job, &parser)) return kExitBadInput;
  if (!args.rule.empty() && !parser->HasRule(args.rule)) {
    std::fprintf(stderr, "crawlbox: job '%s' has no rule named '%s'\n",
                 job.name.c_str(), args.rule.c_str());
    return kExitBadInput;
  }

  std::string url;
  std::string content_type;
  std::string body;
  std::vector<parser::ResponseHeader> headers;
  Response response;  // of the page fetched or rendered, not of a file
  if (!args.file.empty()) {
    std::ifstream in(args.file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "crawlbox: cannot read %s\n", args.file.c_str());
      return kExitFailure;
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    body = buffer.str();
    url = args.base_url;
    if (args.json) content_type = "application/json";
  } else if (args.seed >= 0) {
    if (static_cast<size_t>(args.seed) >= job.seeds.size()) {
      std::fprintf(stderr, "crawlbox: job '%s' has %zu start points\n",
                   job.name.c_str(), job.seeds.size());
      return kExitBadInput;
    }
    url = job.seeds[static_cast<size_t>(args.seed)].url;
  } else {
    url = args.url;
  }
  auto parsed_url = parser::ParseUrl(url);
  if (!parsed_url.ok() || !parsed_url->IsHttp()) {
    std::fprintf(stderr, "crawlbox: '%s' is not an http or https URL\n",
                 url.c_str());
    return kExitBadInput;
  }
  url = parser->CrawlKey(*parsed_url);

  if (args.file.empty()) {
    Request request;
    request.url = url;
    request.host = parsed_url->host;
    if (args.seed >= 0) {
      const config::Seed& seed = job.seeds[static_cast<size_t>(args.seed)];
      request.method = seed.method;
      request.headers = seed.headers;
      request.body = seed.body;
    }
    if (!args.method.empty()) request.method = args.method;
    for (const std::string& header : args.headers)
      request.headers.push_back(header);
    if (!args.data.empty()) {
      request.body = args.data;
      if (args.method.empty()) request.method = "POST";
    }
    RenderPolicy policy(job);
    RenderOptions render_options;
    // Wants() fills the wait even for a page only --render asks for.
    const bool wanted = policy.Wants(url, &render_options);
    const bool render = args.render || wanted;
    response = render ? RenderForExtract(job, *parser, policy,
                                         std::move(request), render_options)
                      : FetchForExtract(job, *parser, std::move(request));
    if (!response.ok()) {
      std::fprintf(stderr, "crawlbox: fetching %s failed: %s (%s)\n",
                   url.c_str(), FetchErrorName(response.error),
                   response.error_detail.c_str());
      return kExitFailure;
    }
    if (response.status < 200 || response.status >= 300) {
      std::fprintf(stderr, "crawlbox: %s answered HTTP %d; extracting anyway\n",
                   url.c_str(), response.status);
    }
    url = response.final_url;
    content_type = response.content_type;
    body = std::move(response.body);
    headers = std::move(response.headers);
  }

  parser::Parsed parsed =
      parser->Parse(url, content_type, body, headers, args.rule);
  if (!response.captured.empty()) {
    Counters counters;  // what went wrong is on stderr already
    MergeCaptured(*parser, job, response, args.rule, &counters, &parsed);
  }
  PrintDirectives(job, parsed);
  if (parsed.logged_out) {
    std::fprintf(stderr,
                 "crawlbox: the page shows a rule's logged_out marker (the "
                 "crawl would log in again and refetch it)\n");
  }
  if (!parsed.unreadable.empty()) {
    std::fprintf(stderr, "crawlbox: the body is unreadable: %s\n",
                 parsed.unreadable.c_str());
  }
  if (args.links) {
    for (const parser::Link& link : parsed.links) std::cout << link.url << "\n";
    for (const parser::RequestSpec& request : parsed.requests) {
      nlohmann::json line = {{"method", request.method},
                             {"url", request.url},
                             {"headers", request.headers},
                             {"body", request.body}};
      std::cout << line.dump(-1, ' ', false,
                             nlohmann::json::error_handler_t::replace)
                << "\n";
    }
    for (const parser::Link& link : parsed.rel_nofollow) {
      std::fprintf(stderr, "crawlbox: not followed (rel=nofollow): %s\n",
                   link.url.c_str());
    }
    std::string withheld;
    if (!parsed.rel_nofollow.empty()) {
      withheld += ", " + std::to_string(parsed.rel_nofollow.size()) +
                  " not followed for rel=nofollow";
    }
    if (parsed.nofollow_dropped > 0) {
      withheld += ", " + std::to_string(parsed.nofollow_dropped) +
                  " withheld by the page's nofollow";
    }
    std::fprintf(stderr, "crawlbox: %zu links to follow from %s%s\n",
                 parsed.links.size(), url.c_str(), withheld.c_str());
    if (!parsed.requests.empty()) {
      std::fprintf(stderr, "crawlbox: %zu requests to follow from %s\n",
                   parsed.requests.size(), url.c_str());
    }
  } else {
    for (const parser::Item& item : parsed.items)
      std::cout << ItemToJson(item) << "\n";
    std::fprintf(stderr,
                 "crawlbox: %zu records from %s%s (%zu links, %zu requests "
                 "to follow: --links lists them)\n",
                 parsed.items.size(), url.c_str(),
                 parsed.robots.noindex && job.politeness.meta_robots
                     ? " (noindex: none kept)"
                     : "",
                 parsed.links.size(), parsed.requests.size());
  }
  std::cout.flush();
  return kExitOk;
}

}  // namespace crawlbox::crawler
