// The confusion matrix as a picture: a labelled heatmap (rows: spoken digit, columns: recognized
// digit; colour: share of the row; each cell shows its count), written as PNG.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace spoken_digits {

// `counts` is 10×10 row-major: counts[true * 10 + predicted].
absl::Status WriteConfusionPng(const std::string& path, const std::vector<int64_t>& counts, const std::string& title);

}  // namespace spoken_digits
