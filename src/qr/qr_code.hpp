#pragma once
/// @file
/// @brief QR codes for short links: the module matrix from libqrencode, drawn as SVG (one run-length
/// merged `<path>`) or PNG (libpng, 8-bit grayscale or a two-colour palette, an integer number of pixels
/// per module so the edges stay crisp). Pure computation: no I/O, thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shortener::qr {

/// Error-correction level: how much of the symbol may be damaged (about 7%, 15%, 25%, 30%).
enum class Ecc { kL, kM, kQ, kH };

/// Parses "L", "M", "Q" or "H" (either case).
std::optional<Ecc> ParseEcc(std::string_view s) noexcept;
char EccLetter(Ecc ecc) noexcept;

/// The symbol's modules, without the quiet zone; `width` modules per side, row by row.
struct Matrix {
    int width = 0;
    int version = 0;                 // 1..40
    std::vector<std::uint8_t> dark;  // width * width entries, 1 = dark

    bool Dark(int x, int y) const noexcept {
        return dark[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)] != 0;
    }
};

/// Encodes `text` as bytes (8-bit mode, the smallest version that fits). Throws std::length_error when the
/// text does not fit even version 40 at this level, std::runtime_error for other libqrencode failures.
Matrix Encode(std::string_view text, Ecc ecc);

struct Rgb {
    std::uint8_t r = 0, g = 0, b = 0;
    friend bool operator==(const Rgb&, const Rgb&) = default;
};

/// Parses "#rrggbb" or "rrggbb" (hex digits in either case).
std::optional<Rgb> ParseColor(std::string_view s) noexcept;
/// "#rrggbb", lower-case.
std::string FormatColor(Rgb c);

inline constexpr int kMinSize = 64;
inline constexpr int kMaxSize = 2048;
inline constexpr int kDefaultSize = 512;
inline constexpr int kMaxMargin = 16;
inline constexpr int kDefaultMargin = 4;
/// Bumped whenever the drawing changes, so that ETags (and caches) of older output stop matching.
inline constexpr int kRendererVersion = 1;

struct RenderOptions {
    int size = kDefaultSize;      // requested width and height in pixels
    int margin = kDefaultMargin;  // quiet zone, in modules, on every side
    Rgb foreground{0, 0, 0};
    Rgb background{255, 255, 255};
};

/// SVG with width/height = options.size and a viewBox in modules (quiet zone included): a background
/// rectangle and one path whose subpaths are the horizontal runs of dark modules. No scripts, no external
/// references, no text taken from the input.
std::string RenderSvg(const Matrix& matrix, const RenderOptions& options);

/// The PNG's pixels per module: options.size divided by the modules per side (quiet zone included),
/// rounded to the nearest integer, at least 1. The image is that times the modules per side, so it may
/// differ from options.size by up to half a module (or exceed it when even 1 pixel per module does).
int PixelsPerModule(const Matrix& matrix, const RenderOptions& options) noexcept;

/// PNG, 8-bit grayscale for black on white, else 8-bit with a two-entry palette. Throws std::runtime_error
/// if libpng fails.
std::string RenderPng(const Matrix& matrix, const RenderOptions& options);

}  // namespace shortener::qr
