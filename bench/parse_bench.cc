// crawlbox-parse-bench: throughput of the parse stage alone (PageParser::Parse
// over the pages of a written site, in memory) with 1, 2, ... threads, printed
// as one JSON object. bench/run.sh runs it for the parse-scaling scenario.
//
//   crawlbox-parse-bench --job FILE --site DIR [--base-url URL]
//                        [--threads 1,2] [--rounds R]
//
// Exit 0 on success, 2 on bad arguments or a bad job file, 1 if the site cannot
// be read.
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "config/job_loader.h"
#include "parser/page_parser.h"

namespace {

constexpr int kExitBadArguments = 2;

struct Args {
  std::string job_file;
  std::string site_dir;
  std::string base_url = "http://127.0.0.1:8000";
  std::vector<int> threads = {1, 2};
  int rounds = 3;
};

// Parses argv into *args. Returns -1 to go on, else the exit code: 0 after
// --help, kExitBadArguments after printing what is wrong.
int ParseArgs(int argc, char** argv, Args* args) {
  CLI::App app{
      "Throughput of the parse stage alone over the pages of a written site, "
      "as one JSON object.",
      "crawlbox-parse-bench"};
  const CLI::Validator non_empty(
      [](std::string& value) {
        return value.empty() ? std::string("must not be empty") : std::string();
      },
      "", "NON-EMPTY");
  app.add_option("--job", args->job_file,
                 "job file whose rules parse the pages (its ${VARs} come from "
                 "the environment)")
      ->required()
      ->check(non_empty);
  app.add_option("--site", args->site_dir,
                 "a site written by crawlbox-testsite --write-site: the pages "
                 "DIR/urls.txt lists (or DIR/site/<i>.html without it)")
      ->required()
      ->check(non_empty);
  app.add_option("--base-url", args->base_url,
                 "origin the pages are parsed as coming from; a page's URL is "
                 "this + its path")
      ->check(non_empty)
      ->capture_default_str();
  app.add_option("--threads", args->threads,
                 "comma-separated thread counts (default 1,2)")
      ->delimiter(',')
      ->check(CLI::Range(1, 1024));
  app.add_option("--rounds", args->rounds,
                 "timed rounds per thread count, interleaved")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help is a ParseError whose exit code is 0.
    return app.exit(e) == 0 ? 0 : kExitBadArguments;
  }
  return -1;
}

// One page as the parse stage sees it.
struct Page {
  std::string url;
  std::string body;
};

// The file crawlbox-testsite --write-site stores the page at `path` in, as
// GeneratedSite::FileFor (tests/support/site_generator.h) names it: the path
// without its '/', a query "?offset=N" as "/offset-N".
std::string FileFor(const std::string& path) {
  std::string file = path.substr(1);
  const size_t query = file.find("?offset=");
  if (query != std::string::npos) {
    file = file.substr(0, query) + "/offset-" +
           file.substr(query + std::string("?offset=").size());
  }
  return file;
}

// The paths of a written site's pages, in page order: DIR/urls.txt, or for a
// site written without one, /site/0.html .. as many as DIR/site/ holds.
// Returns false after printing what could not be read.
bool ListPages(const std::string& site_dir, std::vector<std::string>* paths) {
  namespace fs = std::filesystem;
  const fs::path list = fs::path(site_dir) / "urls.txt";
  std::error_code ec;
  if (fs::exists(list, ec)) {
    std::ifstream in(list);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line[0] == '/') paths->push_back(line);
    }
    if (paths->empty()) {
      std::fprintf(stderr, "crawlbox-parse-bench: no pages in %s\n",
                   list.c_str());
      return false;
    }
    return true;
  }
  const fs::path site = fs::path(site_dir) / "site";
  int count = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(site, ec)) {
    if (entry.path().extension() == ".html") ++count;
  }
  if (ec || count == 0) {
    std::fprintf(stderr, "crawlbox-parse-bench: no pages in %s%s%s\n",
                 site.c_str(), ec ? ": " : "", ec ? ec.message().c_str() : "");
    return false;
  }
  for (int i = 0; i < count; ++i)
    paths->push_back("/site/" + std::to_string(i) + ".html");
  return true;
}

// Reads every page of the site into memory. Returns false after printing what
// could not be read.
bool LoadPages(const Args& args, std::vector<Page>* pages) {
  namespace fs = std::filesystem;
  std::vector<std::string> paths;
  if (!ListPages(args.site_dir, &paths)) return false;
  pages->reserve(paths.size());
  for (const std::string& path : paths) {
    const fs::path file = fs::path(args.site_dir) / FileFor(path);
    std::ifstream in(file, std::ios::binary);
    std::string body((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    if (!in.is_open() || (!in && !in.eof())) {
      std::fprintf(stderr, "crawlbox-parse-bench: cannot read %s\n",
                   file.c_str());
      return false;
    }
    pages->push_back({args.base_url + path, std::move(body)});
  }
  return true;
}

// User + system CPU seconds of this process so far, all threads.
double ProcessCpuSeconds() {
  rusage usage = {};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct RoundResult {
  double seconds = 0;
  double cpu_seconds = 0;  // of the whole process during the round
  int64_t items = 0;
  int64_t links = 0;
};

// Parses every page once with at most `threads` threads working at a time.
RoundResult ParseAll(const crawlbox::parser::PageParser& parser,
                     const std::vector<Page>& pages, int threads) {
  std::atomic<int64_t> items{0}, links{0};
  tbb::task_arena arena(threads);
  const double cpu_start = ProcessCpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  arena.execute([&] {
    tbb::parallel_for(
        tbb::blocked_range<size_t>(0, pages.size()),
        [&](const tbb::blocked_range<size_t>& range) {
          int64_t local_items = 0, local_links = 0;
          for (size_t i = range.begin(); i != range.end(); ++i) {
            crawlbox::parser::Parsed parsed =
                parser.Parse(pages[i].url, "text/html", pages[i].body, {});
            local_items += static_cast<int64_t>(parsed.items.size());
            local_links += static_cast<int64_t>(parsed.links.size());
          }
          items += local_items;
          links += local_links;
        });
  });
  const std::chrono::duration<double> elapsed =
      std::chrono::steady_clock::now() - start;
  return {elapsed.count(), ProcessCpuSeconds() - cpu_start, items.load(),
          links.load()};
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (const int code = ParseArgs(argc, argv, &args); code >= 0) return code;

  // The parser keeps a reference to the job, so `loaded` lives until the end.
  crawlbox::config::LoadedJob loaded =
      crawlbox::config::LoadJobFile(args.job_file);
  std::vector<crawlbox::config::JobProblem> problems = loaded.problems;
  std::unique_ptr<crawlbox::parser::PageParser> parser;
  if (problems.empty()) {
    parser = crawlbox::parser::PageParser::Compile(loaded.job, &problems);
  }
  if (!problems.empty()) {
    for (const crawlbox::config::JobProblem& problem : problems) {
      std::fprintf(stderr, "crawlbox-parse-bench: %s\n",
                   problem.ToString().c_str());
    }
    return kExitBadArguments;
  }

  std::vector<Page> pages;
  if (!LoadPages(args, &pages)) return 1;
  int64_t total_bytes = 0;
  for (const Page& page : pages) {
    total_bytes += static_cast<int64_t>(page.body.size());
  }

  // One untimed round first, so that every thread count meets warm caches
  // and an allocator that has already grown.
  const RoundResult warmup = ParseAll(*parser, pages, args.threads.front());

  // Rounds interleave the thread counts, so a slow moment of the machine
  // does not land on one count only.
  std::vector<std::vector<double>> rates(args.threads.size());
  // CPU seconds per wall second: how many cores the round really had. Below
  // the thread count when other programs compete for the CPUs.
  std::vector<std::vector<double>> cores(args.threads.size());
  for (int round = 0; round < args.rounds; ++round) {
    for (size_t t = 0; t < args.threads.size(); ++t) {
      const RoundResult result = ParseAll(*parser, pages, args.threads[t]);
      if (result.items != warmup.items || result.links != warmup.links) {
        std::fprintf(stderr,
                     "crawlbox-parse-bench: round %d with %d threads found "
                     "%lld items and %lld links, the warm-up %lld and %lld\n",
                     round, args.threads[t],
                     static_cast<long long>(result.items),
                     static_cast<long long>(result.links),
                     static_cast<long long>(warmup.items),
                     static_cast<long long>(warmup.links));
        return 1;
      }
      rates[t].push_back(static_cast<double>(pages.size()) / result.seconds);
      cores[t].push_back(result.cpu_seconds / result.seconds);
    }
  }

  std::printf(
      "{\"pages\": %zu, \"bytes\": %lld, \"rounds\": %d, \"items\": %lld, "
      "\"links\": %lld, \"results\": [",
      pages.size(), static_cast<long long>(total_bytes), args.rounds,
      static_cast<long long>(warmup.items),
      static_cast<long long>(warmup.links));
  for (size_t t = 0; t < args.threads.size(); ++t) {
    std::printf("%s{\"threads\": %d, \"pages_per_s\": [", t == 0 ? "" : ", ",
                args.threads[t]);
    for (size_t r = 0; r < rates[t].size(); ++r) {
      std::printf("%s%.1f", r == 0 ? "" : ", ", rates[t][r]);
    }
    std::printf(
        "], \"median\": %.1f, \"min\": %.1f, \"max\": %.1f, \"cores_used\": "
        "%.2f}",
        Median(rates[t]), *std::min_element(rates[t].begin(), rates[t].end()),
        *std::max_element(rates[t].begin(), rates[t].end()), Median(cores[t]));
  }
  std::printf("]}\n");
  return 0;
}
