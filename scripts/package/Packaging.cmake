# The Debian package (scripts/package.sh runs it): what `cmake --install` puts
# where, and CPack's DEB settings. Only the crawlbox program and its documents
# are installed; the test and bench programs are not.
set(CRAWLBOX_PACKAGE_DIR ${CMAKE_SOURCE_DIR}/scripts/package)
set(CRAWLBOX_DOCS_DIR ${CMAKE_BINARY_DIR}/package-docs)

# `cmake --install` and cpack would otherwise build `all` (every test binary)
# first; package.sh builds what the package holds.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

# Man pages and bash completion, generated from the built program's --help and
# the README's job key table (scripts/package/docs.py), so they cannot drift.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  string(TIMESTAMP CRAWLBOX_PACKAGE_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
  add_custom_command(
    OUTPUT ${CRAWLBOX_DOCS_DIR}/crawlbox.1.gz ${CRAWLBOX_DOCS_DIR}/crawlbox-job.5.gz
           ${CRAWLBOX_DOCS_DIR}/crawlbox.bash ${CRAWLBOX_DOCS_DIR}/changelog.gz
    COMMAND ${Python3_EXECUTABLE} ${CRAWLBOX_PACKAGE_DIR}/docs.py $<TARGET_FILE:crawlbox>
            ${CMAKE_SOURCE_DIR}/README.md ${PROJECT_VERSION} ${CRAWLBOX_DOCS_DIR}
            --changelog ${CRAWLBOX_PACKAGE_DIR}/changelog "${CRAWLBOX_PACKAGE_DATE}"
    DEPENDS crawlbox ${CRAWLBOX_PACKAGE_DIR}/docs.py ${CMAKE_SOURCE_DIR}/README.md
            ${CRAWLBOX_PACKAGE_DIR}/changelog
    COMMENT "Man pages and bash completion from crawlbox --help and the README")
  add_custom_target(crawlbox_docs DEPENDS ${CRAWLBOX_DOCS_DIR}/crawlbox.1.gz)
endif()

# Full RELRO, as Debian builds its packages (lintian's hardening-no-bindnow).
target_link_options(crawlbox PRIVATE -Wl,-z,relro,-z,now)
install(TARGETS crawlbox RUNTIME DESTINATION bin)
install(FILES ${CRAWLBOX_DOCS_DIR}/crawlbox.1.gz DESTINATION share/man/man1)
install(FILES ${CRAWLBOX_DOCS_DIR}/crawlbox-job.5.gz DESTINATION share/man/man5)
install(FILES ${CRAWLBOX_DOCS_DIR}/crawlbox.bash
        DESTINATION share/bash-completion/completions RENAME crawlbox)
install(FILES ${CRAWLBOX_PACKAGE_DIR}/crawlbox-worker@.service
              ${CRAWLBOX_PACKAGE_DIR}/crawlbox-master@.service
        DESTINATION lib/systemd/system)
install(FILES ${CRAWLBOX_PACKAGE_DIR}/copyright ${CRAWLBOX_DOCS_DIR}/changelog.gz
        DESTINATION share/doc/crawlbox)
file(GLOB CRAWLBOX_EXAMPLE_JOBS ${CMAKE_SOURCE_DIR}/config/jobs/*.toml)
install(FILES ${CRAWLBOX_EXAMPLE_JOBS} DESTINATION share/doc/crawlbox/examples)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME crawlbox)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "crawlbox developers <crawlbox@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION web)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://crawlbox.invalid/")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "web crawler and scraper with its results in SQLite")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "crawlbox runs crawl jobs described in TOML files: start points, scope,
limits, politeness and rules that turn responses into records (regular
expressions, CSS selectors, XPath, JSONPath). Pages, records and the
frontier live in one SQLite database that survives kill -9; a status page
shows a running crawl. It can log in, submit forms, render pages in
Chromium, write WARC files, and crawl with a fleet of workers through Redis.")
# Depends: from the program's shared libraries (dpkg-shlibdeps), plus adduser
# for the service user. Chromium (render jobs) and Redis (the fleet) are only
# recommended: plain crawls need neither.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "chromium, redis-server")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CRAWLBOX_PACKAGE_DIR}/postinst ${CRAWLBOX_PACKAGE_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
