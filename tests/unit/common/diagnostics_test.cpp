#include "common/diagnostics.h"

#include <gtest/gtest.h>

namespace vsr {
namespace {

TEST(DiagnosticTest, FormatsFileLineColumnPathMessageAndHint) {
  const auto file = std::make_shared<const std::string>("config.yaml");
  Diagnostic d{Severity::kError, {file, 12, 7}, "routing.decisions[0].name", "is empty", "name it"};
  EXPECT_EQ(d.Format(), "config.yaml:12:7: routing.decisions[0].name: is empty; name it");
  d.severity = Severity::kWarning;
  d.hint.clear();
  EXPECT_EQ(d.Format(), "config.yaml:12:7: warning: routing.decisions[0].name: is empty");
}

TEST(DiagnosticsTest, CountsAndSortsByPosition) {
  const auto file = std::make_shared<const std::string>("f");
  Diagnostics diags;
  diags.Error({file, 9, 1}, "b", "late");
  diags.Warning({file, 2, 5}, "a", "early");
  diags.Error({file, 2, 1}, "a", "earliest");
  EXPECT_EQ(diags.error_count(), 2u);
  EXPECT_EQ(diags.warning_count(), 1u);
  EXPECT_FALSE(diags.ok());
  diags.SortByPosition();
  EXPECT_EQ(diags.items()[0].message, "earliest");
  EXPECT_EQ(diags.items()[1].message, "early");
  EXPECT_EQ(diags.items()[2].message, "late");
}

}  // namespace
}  // namespace vsr
