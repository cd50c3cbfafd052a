#include "confusion_png.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "dataset.h"

// Debian's libstb-dev ships the single-header libraries; compiling the PNG writer's
// implementation privately (static) keeps it out of the link.
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include "stb_image_write.h"
#include "stb_easy_font.h"

namespace spoken_digits {
namespace {

struct Rgb {
  unsigned char r, g, b;
};

class Canvas {
 public:
  Canvas(int w, int h) : w_(w), h_(h), pixels_(static_cast<size_t>(w) * h * 3, 255) {}
  int width() const { return w_; }
  int height() const { return h_; }
  const unsigned char* data() const { return pixels_.data(); }

  void Fill(int x0, int y0, int x1, int y1, Rgb c) {
    x0 = std::max(x0, 0), y0 = std::max(y0, 0), x1 = std::min(x1, w_), y1 = std::min(y1, h_);
    for (int y = y0; y < y1; ++y) {
      for (int x = x0; x < x1; ++x) {
        unsigned char* p = &pixels_[(static_cast<size_t>(y) * w_ + x) * 3];
        p[0] = c.r, p[1] = c.g, p[2] = c.b;
      }
    }
  }

  // stb_easy_font's bitmap text (about 7 px tall at scale 1), drawn at `scale`; (x, y) is the
  // top-left corner. Returns the width drawn.
  int Text(int x, int y, const std::string& text, Rgb c, int scale) {
    // Up to ~10 quads of 64 bytes per character ("~270 bytes" in stb_easy_font.h is an average).
    std::vector<char> buffer(text.size() * 768 + 64);
    std::string copy = text;
    const int quads = stb_easy_font_print(0, 0, copy.data(), nullptr, buffer.data(), static_cast<int>(buffer.size()));
    for (int q = 0; q < quads; ++q) {
      const float* v = reinterpret_cast<const float*>(buffer.data() + q * 64);  // 4 vertices × 16 bytes
      // Vertices 0 and 2 are opposite corners of an axis-aligned quad.
      const float* a = v;
      const float* b = v + 8;
      Fill(x + static_cast<int>(std::min(a[0], b[0]) * scale), y + static_cast<int>(std::min(a[1], b[1]) * scale),
           x + static_cast<int>(std::max(a[0], b[0]) * scale), y + static_cast<int>(std::max(a[1], b[1]) * scale), c);
    }
    return TextWidth(text, scale);
  }
  static int TextWidth(const std::string& text, int scale) {
    std::string copy = text;
    return stb_easy_font_width(copy.data()) * scale;
  }

 private:
  int w_, h_;
  std::vector<unsigned char> pixels_;
};

// White → deep blue as the share goes 0 → 1, on a square-root scale so that a confusion of a
// few percent is still visible beside a 95 % diagonal.
Rgb Shade(double share) {
  const double t = std::sqrt(std::clamp(share, 0.0, 1.0));
  auto mix = [t](int from, int to) { return static_cast<unsigned char>(from + (to - from) * t); };
  return {mix(247, 8), mix(251, 48), mix(255, 107)};
}

}  // namespace

absl::Status WriteConfusionPng(const std::string& path, const std::vector<int64_t>& counts, const std::string& title) {
  if (counts.size() != 100) return absl::InvalidArgumentError("the confusion matrix must be 10x10");
  constexpr int kCell = 76, kLeft = 190, kTop = 110, kScale = 3;
  const int width = kLeft + 10 * kCell + 40, height = kTop + 10 * kCell + 110;
  Canvas canvas(width, height);
  const Rgb black{20, 20, 20}, grey{110, 110, 110};

  canvas.Text((width - Canvas::TextWidth(title, kScale)) / 2, 20, title, black, kScale);
  const std::string predicted = "recognized as";
  canvas.Text(kLeft + (10 * kCell - Canvas::TextWidth(predicted, kScale)) / 2, kTop + 10 * kCell + 60, predicted,
              grey, kScale);
  canvas.Text(12, kTop - 40, "spoken", grey, kScale);

  for (int t = 0; t < 10; ++t) {
    int64_t row_total = 0;
    for (int p = 0; p < 10; ++p) row_total += counts[t * 10 + p];
    canvas.Text(kLeft - 12 - Canvas::TextWidth(kDigitWords[t], kScale), kTop + t * kCell + kCell / 2 - 10,
                kDigitWords[t], black, kScale);
    for (int p = 0; p < 10; ++p) {
      const int64_t n = counts[t * 10 + p];
      const double share = row_total > 0 ? static_cast<double>(n) / row_total : 0.0;
      const int x = kLeft + p * kCell, y = kTop + t * kCell;
      canvas.Fill(x, y, x + kCell - 1, y + kCell - 1, Shade(share));
      if (n > 0) {
        const std::string label = absl::StrCat(n);
        const Rgb ink = share > 0.5 ? Rgb{255, 255, 255} : black;
        canvas.Text(x + (kCell - Canvas::TextWidth(label, kScale)) / 2, y + kCell / 2 - 10, label, ink, kScale);
      }
    }
  }
  for (int p = 0; p < 10; ++p) {
    const std::string word = kDigitWords[p];
    // Smaller than the row labels: "three" and "seven" at full size are wider than a cell.
    canvas.Text(kLeft + p * kCell + (kCell - Canvas::TextWidth(word, kScale - 1)) / 2, kTop + 10 * kCell + 14, word,
                black, kScale - 1);
  }
  if (stbi_write_png(path.c_str(), canvas.width(), canvas.height(), 3, canvas.data(), canvas.width() * 3) == 0) {
    return absl::InternalError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

}  // namespace spoken_digits
