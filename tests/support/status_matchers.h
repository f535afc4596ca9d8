// GoogleTest helpers for crawlbox::config::Status and Result<T>.
#pragma once

#include <gtest/gtest.h>

#include "config/status.h"

#define CRAWLBOX_STATUS_OF(expr) ::crawlbox::testing::StatusOf(expr)
#define ASSERT_OK(expr)                      \
  ASSERT_TRUE(CRAWLBOX_STATUS_OF(expr).ok()) \
      << CRAWLBOX_STATUS_OF(expr).ToString()
#define EXPECT_OK(expr)                      \
  EXPECT_TRUE(CRAWLBOX_STATUS_OF(expr).ok()) \
      << CRAWLBOX_STATUS_OF(expr).ToString()

namespace crawlbox::testing {

inline const config::Status& StatusOf(const config::Status& s) { return s; }
template <typename T>
const config::Status& StatusOf(const config::Result<T>& r) {
  return r.status();
}

}  // namespace crawlbox::testing
