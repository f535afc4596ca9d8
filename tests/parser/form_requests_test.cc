// Form following: the entry list (hidden inputs, checkboxes, radios, selects,
// textareas, disabled controls, submitters), job fields over it, the three
// body encodings, and PageParser turning follow_forms into links and requests.
#include "parser/form_requests.h"

#include <gtest/gtest.h>

#include "config/job_loader.h"
#include "parser/dom.h"
#include "parser/page_parser.h"

namespace crawlbox::parser {
namespace {

// The first <form> of `html` with the entry list it submits, pressed with
// the first element matching `submit` ("" = none).
std::vector<FormEntry> Entries(const std::string& html,
                               const std::string& submit = "") {
  Document doc = Document::Parse(html);
  std::vector<const GumboNode*> forms;
  Selector::Parse("form").value().Select(doc.root(), &forms);
  EXPECT_FALSE(forms.empty()) << html;
  if (forms.empty()) return {};
  std::optional<Selector> selector;
  if (!submit.empty()) selector = Selector::Parse(submit).value();
  const GumboNode* submitter =
      FindSubmitter(forms[0], selector ? &*selector : nullptr);
  return FormEntryList(forms[0], submitter);
}

using Pairs = std::vector<FormEntry>;

TEST(FormEntryListTest, FollowsTheHtmlEntryListRules) {
  struct Case {
    const char* html;
    const char* submit;
    Pairs want;
  };
  const Case cases[] = {
      {"<form><input type=hidden name=token value=abc>"
       "<input name=q value='a b'><input name=empty>"
       "<input value=nameless><input name='' value=x></form>",
       "",
       {{"token", "abc"}, {"q", "a b"}, {"empty", ""}}},
      {"<form><input type=checkbox name=c1 checked>"
       "<input type=checkbox name=c2 value=yes checked>"
       "<input type=checkbox name=c3 value=no>"
       "<input type=radio name=r value=1 checked>"
       "<input type=radio name=r value=2 checked>"
       "<input type=radio name=r value=3></form>",
       "",
       {{"c1", "on"}, {"c2", "yes"}, {"r", "2"}}},
      {"<form><select name=s><option>  One\n two </option>"
       "<option value=2>Two</option></select>"
       "<select name=sel><option value=a selected>A</option>"
       "<option value=b selected>B</option></select>"
       "<select name=dis><option disabled value=x>X</option>"
       "<optgroup label=g><option value=y>Y</option></optgroup></select>"
       "<select name=m multiple><option value=1 selected>1</option>"
       "<option value=2>2</option><option value=3 selected>3</option>"
       "</select><select name=none multiple><option>1</option></select>"
       "<select name=big size=3><option>1</option></select></form>",
       "",
       {{"s", "One two"}, {"sel", "b"}, {"dis", "y"}, {"m", "1"}, {"m", "3"}}},
      {"<form><textarea name=t>\nline1\nline2</textarea></form>",
       "",
       {{"t", "line1\nline2"}}},
      {"<form><input name=a disabled value=1>"
       "<fieldset disabled><legend><input name=b value=2></legend>"
       "<input name=c value=3></fieldset>"
       "<fieldset><input name=d value=4></fieldset>"
       "<datalist><input name=e value=5></datalist>"
       "<input type=file name=f><select name=g disabled>"
       "<option>x</option></select></form>",
       "",
       {{"b", "2"}, {"d", "4"}}},
      {"<form><input type=submit name=go value=Go>"
       "<button name=b value=press>B</button>"
       "<input type=reset name=r><input type=button name=bb value=x></form>",
       "",
       {}},
      {"<form><input name=q value=x><input type=submit name=go value=Go>"
       "<button name=b value=press>B</button></form>",
       "button",
       {{"q", "x"}, {"b", "press"}}},
      {"<form><input type=image name=map src=m.png>"
       "<input type=submit name=go value=Go></form>",
       "input[type=image]",
       {{"map.x", "0"}, {"map.y", "0"}}},
      {"<form><input type=hidden name=_charset_>"
       "<input name=t value='a\nb' dirname=t.dir></form>",
       "",
       {{"_charset_", "UTF-8"}, {"t", "ab"}, {"t.dir", "ltr"}}},
      // form= ties controls to the form by id, from anywhere in the page.
      {"<form id=f><input name=in value=1>"
       "<input name=away form=other value=2></form>"
       "<input name=out form=f value=3><input name=loose value=4>",
       "",
       {{"in", "1"}, {"out", "3"}}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Entries(c.html, c.submit), c.want) << c.html;
  }
}

TEST(FormEntryListTest, JobFieldsReplaceTheFirstAndDropRepeats) {
  Pairs entries = {{"a", "1"}, {"b", "2"}, {"a", "3"}, {"c", "4"}};
  SetFormFields({{"a", "x"}, {"z", "new"}}, &entries);
  EXPECT_EQ(entries, (Pairs{{"a", "x"}, {"b", "2"}, {"c", "4"}, {"z", "new"}}));
}

TEST(FormEncodingTest, Urlencoded) {
  EXPECT_EQ(UrlencodeFormEntries(
                {{"q", "a b&c=d"}, {"é", "~*-._"}, {"t", "1\n2\r3"}}),
            "q=a+b%26c%3Dd&%C3%A9=%7E*-._&t=1%0D%0A2%0D%0A3");
  FormBody body = EncodeFormBody({{"a", "1"}}, FormEnctype::kUrlencoded);
  EXPECT_EQ(body.content_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(body.body, "a=1");
}

TEST(FormEncodingTest, MultipartIsDeterministicAndWellFormed) {
  Pairs entries = {{"name", "Ann"}, {"q\"x\ny", "a\nb"}};
  FormBody one = EncodeFormBody(entries, FormEnctype::kMultipart);
  FormBody two = EncodeFormBody(entries, FormEnctype::kMultipart);
  EXPECT_EQ(one.body, two.body);
  EXPECT_EQ(one.content_type, two.content_type);
  const std::string prefix = "multipart/form-data; boundary=";
  ASSERT_TRUE(one.content_type.starts_with(prefix)) << one.content_type;
  const std::string boundary = one.content_type.substr(prefix.size());
  EXPECT_EQ(one.body,
            "--" + boundary +
                "\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n"
                "Ann\r\n--" +
                boundary +
                "\r\nContent-Disposition: form-data; "
                "name=\"q%22x%0D%0Ay\"\r\n\r\na\r\nb\r\n--" +
                boundary + "--\r\n");
  FormBody other = EncodeFormBody({{"name", "Bob"}}, FormEnctype::kMultipart);
  EXPECT_NE(other.content_type, one.content_type);
}

TEST(FormEncodingTest, TextPlain) {
  FormBody body =
      EncodeFormBody({{"a", "1 2"}, {"b", "x\ny"}}, FormEnctype::kTextPlain);
  EXPECT_EQ(body.content_type, "text/plain");
  EXPECT_EQ(body.body, "a=1 2\r\nb=x\r\ny\r\n");
}

struct Compiled {
  config::Job job;
  std::unique_ptr<PageParser> parser;
  std::vector<config::JobProblem> problems;
};

std::unique_ptr<Compiled> CompileText(const std::string& toml) {
  auto c = std::make_unique<Compiled>();
  config::LoadedJob loaded = config::LoadJobText(toml, "job.toml");
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? ""
                                           : loaded.problems[0].ToString());
  c->job = std::move(loaded.job);
  c->parser = PageParser::Compile(c->job, &c->problems);
  return c;
}

std::string JobWith(const std::string& rule_lines) {
  return "[job]\nname = \"t\"\nstart_urls = [\"http://site.test/\"]\n"
         "[[rules]]\nname = \"forms\"\n" +
         rule_lines;
}

TEST(FormFollowTest, GetFormBecomesALinkWithTheEntriesAsQuery) {
  auto c = CompileText(JobWith(
      "follow_forms = [{ select = 'form.search', fields = { q = 'shoes', "
      "page = 2 } }]\n"));
  ASSERT_TRUE(c->problems.empty()) << c->problems[0].ToString();
  Parsed p =
      c->parser->Parse("http://site.test/dir/page?x=1", "text/html",
                       "<form class=search action='find?old=1#top'>"
                       "<input type=hidden name=lang value=en><input name=q>"
                       "<input type=submit name=go value=Go></form>"
                       "<form class=other action=/no><input name=z></form>",
                       {});
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0].url, "http://site.test/dir/find?lang=en&q=shoes&page=2");
  EXPECT_EQ(p.links[0].host, "site.test");
  EXPECT_TRUE(p.requests.empty());
}

TEST(FormFollowTest, PostFormBecomesARequestWithItsBody) {
  auto c = CompileText(
      JobWith("follow_forms = [{ select = 'form', fields = { user = 'me' }, "
              "submit = 'button[name=login]' }]\n"));
  ASSERT_TRUE(c->problems.empty()) << c->problems[0].ToString();
  Parsed p = c->parser->Parse(
      "http://site.test/login", "text/html",
      "<form method=POST action=/session>"
      "<input type=hidden name=csrf value='t k'><input name=user>"
      "<button name=cancel value=1>Cancel</button>"
      "<button name=login value=yes>Log in</button></form>",
      {});
  EXPECT_TRUE(p.links.empty());
  ASSERT_EQ(p.requests.size(), 1u);
  const RequestSpec& r = p.requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "http://site.test/session");
  EXPECT_EQ(r.host, "site.test");
  EXPECT_EQ(r.headers, std::vector<std::string>{
                           "Content-Type: application/x-www-form-urlencoded"});
  EXPECT_EQ(r.body, "csrf=t+k&user=me&login=yes");
}

TEST(FormFollowTest, MultipartFormGivesTheSameRequestEachTime) {
  auto c = CompileText(JobWith("follow_forms = 'form'\n"));
  ASSERT_TRUE(c->problems.empty()) << c->problems[0].ToString();
  const char* page =
      "<form method=post enctype=multipart/form-data action=/up>"
      "<input name=a value=1></form>";
  Parsed one = c->parser->Parse("http://site.test/", "text/html", page, {});
  Parsed two = c->parser->Parse("http://site.test/", "text/html", page, {});
  ASSERT_EQ(one.requests.size(), 1u);
  ASSERT_EQ(two.requests.size(), 1u);
  EXPECT_EQ(one.requests[0].body, two.requests[0].body);
  EXPECT_EQ(one.requests[0].headers, two.requests[0].headers);
  EXPECT_TRUE(one.requests[0].headers[0].starts_with(
      "Content-Type: multipart/form-data; boundary="));
}

TEST(FormFollowTest, ActionResolvesAgainstBaseAndSubmitterOverrides) {
  auto c = CompileText(
      JobWith("follow_forms = [{ select = 'form', submit = '.alt' }]\n"));
  ASSERT_TRUE(c->problems.empty()) << c->problems[0].ToString();
  Parsed p = c->parser->Parse(
      "http://site.test/a/page", "text/html",
      "<base href='http://other.test/b/'>"
      "<form action=search><input name=q value=1></form>"
      "<form action=''><input name=q value=2></form>"
      "<form action=x><input name=q value=3>"
      "<button class=alt formaction=/over formmethod=post "
      "formenctype=text/plain name=b value=v>Go</button></form>"
      "<form method=dialog><input name=q value=4></form>",
      {});
  ASSERT_EQ(p.links.size(), 2u);
  EXPECT_EQ(p.links[0].url, "http://other.test/b/search?q=1");
  EXPECT_EQ(p.links[0].host, "other.test");
  // An empty action is the page itself, whatever <base> says.
  EXPECT_EQ(p.links[1].url, "http://site.test/a/page?q=2");
  ASSERT_EQ(p.requests.size(), 1u);
  EXPECT_EQ(p.requests[0].url, "http://other.test/over");
  EXPECT_EQ(p.requests[0].headers,
            std::vector<std::string>{"Content-Type: text/plain"});
  EXPECT_EQ(p.requests[0].body, "q=3\r\nb=v\r\n");
}

TEST(FormFollowTest, FollowPatternsFilterForms) {
  auto c =
      CompileText(JobWith("follow = ['/search']\nfollow_forms = 'form'\n"));
  ASSERT_TRUE(c->problems.empty()) << c->problems[0].ToString();
  Parsed p = c->parser->Parse("http://site.test/", "text/html",
                              "<form action=/search><input name=q></form>"
                              "<form action=/login method=post></form>",
                              {});
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0].url, "http://site.test/search?q=");
  EXPECT_TRUE(p.requests.empty());
}

TEST(FormFollowTest, NofollowPageGivesNoRequests) {
  auto c = CompileText(JobWith("follow_forms = 'form'\n"));
  Parsed p =
      c->parser->Parse("http://site.test/", "text/html",
                       "<meta name=robots content=nofollow>"
                       "<form method=post action=/x><input name=a></form>",
                       {});
  EXPECT_TRUE(p.requests.empty());
  EXPECT_EQ(p.nofollow_dropped, 1);
}

TEST(FormFollowTest, BadSelectorsAreProblems) {
  auto c = CompileText(
      JobWith("follow_forms = [{ select = 'form[', submit = 'button[' }]\n"));
  ASSERT_EQ(c->problems.size(), 2u);
  EXPECT_EQ(c->problems[0].key, "rules[0].follow_forms[0].select");
  EXPECT_EQ(c->problems[0].where.line, 6);
  EXPECT_EQ(c->problems[1].key, "rules[0].follow_forms[0].submit");
}

}  // namespace
}  // namespace crawlbox::parser
