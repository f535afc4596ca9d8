// The HTML pages of the API test site: the search form and its results, the
// login form and the members area. Pure functions of their arguments; the
// tokens, cookies and sessions behind them live in ApiSite.
#pragma once

#include <string>

#include "tests/support/api_data.h"
#include "tests/support/demo_board.h"  // HtmlEscape

namespace crawlbox::testing {

// GET /app/search: <form id="search" action="/app/search/results"
// method="post"> with the hidden `token`, a text input `q`, a <select
// name="sort"> with "relevance" selected, a checkbox `in_stock` (value "1")
// checked by default and <button name="go" value="1">; before it an unrelated
// GET form, <form id="newsletter" action="/app/newsletter">, with an `email`
// input.
std::string SearchFormPage(const std::string& token);

// POST /app/search/results: page `page` (1-based) of the hits of `query`,
// each <li class="hit"><a href="/api/items/ID">NAME</a> <span
// class="price">P</span></li> inside <ul id="hits">, after <p id="count">N
// hits</p>. While pages remain, a <form id="next" action="/app/search/results"
// method="post"> repeats the token and the query in hidden fields, with `page`
// set to page + 1.
std::string SearchResultsPage(const std::string& token,
                              const ApiSearchQuery& query, int page);

// GET /app/login, and the answer to a failed POST /app/login (`failed`: with
// <p class="error">Login failed</p>): <form id="login" action="/app/login"
// method="post"> with the hidden `csrf`, inputs `username` and `password`.
std::string LoginPage(const std::string& csrf, bool failed);

// GET /app/members with a valid session: links to /app/members/1 .. /20 and a
// "Log out" link to /app/logout.
std::string MembersIndexPage();
// GET /app/members/<page> with a valid session: the MembersOnPage(page)
// records as <div class="member"><h2>NAME</h2><span
// class="since">YEAR</span></div>, and the "Log out" link. Precondition:
// 1 <= page <= kMemberPages.
std::string MembersPage(int page);
// Any /app/members* page without a valid session: <p id="logged-out">Please
// log in</p> and a link to /app/login.
std::string LoggedOutPage();

}  // namespace crawlbox::testing
