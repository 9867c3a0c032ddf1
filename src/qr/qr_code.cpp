#include "qr/qr_code.hpp"

#include <png.h>
#include <qrencode.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <memory>
#include <stdexcept>

namespace shortener::qr {
namespace {

int HexDigit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void AppendInt(std::string& out, int n) {
    char buf[16];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
    out.append(buf, end);
}

struct QrCodeFree {
    void operator()(QRcode* code) const noexcept { QRcode_free(code); }
};

}  // namespace

std::optional<Ecc> ParseEcc(std::string_view s) noexcept {
    if (s.size() != 1) return std::nullopt;
    switch (s[0]) {
        case 'L':
        case 'l':
            return Ecc::kL;
        case 'M':
        case 'm':
            return Ecc::kM;
        case 'Q':
        case 'q':
            return Ecc::kQ;
        case 'H':
        case 'h':
            return Ecc::kH;
        default:
            return std::nullopt;
    }
}

char EccLetter(Ecc ecc) noexcept {
    switch (ecc) {
        case Ecc::kL:
            return 'L';
        case Ecc::kM:
            return 'M';
        case Ecc::kQ:
            return 'Q';
        case Ecc::kH:
            return 'H';
    }
    return 'M';
}

Matrix Encode(std::string_view text, Ecc ecc) {
    QRecLevel level = QR_ECLEVEL_M;
    switch (ecc) {
        case Ecc::kL:
            level = QR_ECLEVEL_L;
            break;
        case Ecc::kM:
            level = QR_ECLEVEL_M;
            break;
        case Ecc::kQ:
            level = QR_ECLEVEL_Q;
            break;
        case Ecc::kH:
            level = QR_ECLEVEL_H;
            break;
    }
    // 8-bit mode on the exact bytes (encodeString would pick modes by content and stop at a NUL).
    errno = 0;
    std::unique_ptr<QRcode, QrCodeFree> code(QRcode_encodeData(
        static_cast<int>(text.size()), reinterpret_cast<const unsigned char*>(text.data()), 0, level));
    if (!code) {
        if (errno == ERANGE) throw std::length_error("the text is too long for a QR code");
        throw std::runtime_error("libqrencode failed to encode the text");
    }
    Matrix m;
    m.width = code->width;
    m.version = code->version;
    const auto n = static_cast<std::size_t>(code->width) * static_cast<std::size_t>(code->width);
    m.dark.resize(n);
    // Bit 0 of each byte is the module's colour; the other bits describe its role (finder, timing, ...).
    for (std::size_t i = 0; i < n; ++i) m.dark[i] = code->data[i] & 1;
    return m;
}

std::optional<Rgb> ParseColor(std::string_view s) noexcept {
    if (!s.empty() && s[0] == '#') s.remove_prefix(1);
    if (s.size() != 6) return std::nullopt;
    std::uint8_t bytes[3];
    for (int i = 0; i < 3; ++i) {
        const int hi = HexDigit(s[2 * i]);
        const int lo = HexDigit(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        bytes[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    }
    return Rgb{bytes[0], bytes[1], bytes[2]};
}

std::string FormatColor(Rgb c) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "#";
    for (std::uint8_t v : {c.r, c.g, c.b}) {
        out += kHex[v >> 4];
        out += kHex[v & 15];
    }
    return out;
}

std::string RenderSvg(const Matrix& matrix, const RenderOptions& options) {
    const int total = matrix.width + 2 * options.margin;
    std::string out;
    out.reserve(256 + static_cast<std::size_t>(matrix.width) * static_cast<std::size_t>(matrix.width));
    out += R"(<svg xmlns="http://www.w3.org/2000/svg" width=")";
    AppendInt(out, options.size);
    out += R"(" height=")";
    AppendInt(out, options.size);
    out += R"(" viewBox="0 0 )";
    AppendInt(out, total);
    out += ' ';
    AppendInt(out, total);
    out += R"(" shape-rendering="crispEdges"><rect width=")";
    AppendInt(out, total);
    out += R"(" height=")";
    AppendInt(out, total);
    out += R"(" fill=")";
    out += FormatColor(options.background);
    out += R"("/><path fill=")";
    out += FormatColor(options.foreground);
    out += R"(" d=")";
    // One subpath per horizontal run of dark modules: a 1-module-high rectangle "M x y h n v 1 h -n z".
    for (int y = 0; y < matrix.width; ++y) {
        int x = 0;
        while (x < matrix.width) {
            if (!matrix.Dark(x, y)) {
                ++x;
                continue;
            }
            const int start = x;
            while (x < matrix.width && matrix.Dark(x, y)) ++x;
            const int run = x - start;
            out += 'M';
            AppendInt(out, start + options.margin);
            out += ' ';
            AppendInt(out, y + options.margin);
            out += 'h';
            AppendInt(out, run);
            out += "v1h-";
            AppendInt(out, run);
            out += 'z';
        }
    }
    out += R"("/></svg>)";
    out += '\n';
    return out;
}

int PixelsPerModule(const Matrix& matrix, const RenderOptions& options) noexcept {
    const int total = matrix.width + 2 * options.margin;
    const int scale = (options.size + total / 2) / total;
    return scale < 1 ? 1 : scale;
}

std::string RenderPng(const Matrix& matrix, const RenderOptions& options) {
    const int total = matrix.width + 2 * options.margin;
    const int scale = PixelsPerModule(matrix, options);
    const auto side = static_cast<std::size_t>(total) * static_cast<std::size_t>(scale);

    const Rgb fg = options.foreground;
    const Rgb bg = options.background;
    const bool gray = fg.r == fg.g && fg.g == fg.b && bg.r == bg.g && bg.g == bg.b;
    // Grayscale: each pixel is its level. Palette: each pixel is an index (0 background, 1 foreground).
    const std::uint8_t light = gray ? bg.r : 0;
    const std::uint8_t dark = gray ? fg.r : 1;

    std::vector<std::uint8_t> pixels(side * side, light);
    for (int y = 0; y < matrix.width; ++y) {
        std::uint8_t* row = pixels.data() + static_cast<std::size_t>(y + options.margin) * scale * side;
        for (int x = 0; x < matrix.width; ++x) {
            if (!matrix.Dark(x, y)) continue;
            std::fill_n(row + static_cast<std::size_t>(x + options.margin) * scale, scale, dark);
        }
        // The module row's first pixel row is complete: copy it to the others.
        for (int i = 1; i < scale; ++i) std::copy_n(row, side, row + static_cast<std::size_t>(i) * side);
    }

    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    image.width = static_cast<png_uint_32>(side);
    image.height = static_cast<png_uint_32>(side);
    const std::uint8_t colormap[6] = {bg.r, bg.g, bg.b, fg.r, fg.g, fg.b};
    if (gray) {
        image.format = PNG_FORMAT_GRAY;
    } else {
        image.format = PNG_FORMAT_RGB_COLORMAP;
        image.colormap_entries = 2;
    }
    // A QR code compresses to a small fraction of its pixels; retry with the exact size if the guess is short.
    std::string out(side * side / 16 + 4096, '\0');
    for (int attempt = 0; attempt < 2; ++attempt) {
        png_alloc_size_t bytes = out.size();
        const int ok =
            png_image_write_to_memory(&image, out.data(), &bytes, 0, pixels.data(), 0, gray ? nullptr : colormap);
        if (ok) {
            out.resize(bytes);
            png_image_free(&image);
            return out;
        }
        if (bytes <= out.size()) break;  // a real error, not a short buffer
        out.resize(bytes);
        image.warning_or_error = 0;
        image.opaque = nullptr;
    }
    std::string message = image.message;
    png_image_free(&image);
    throw std::runtime_error("libpng failed to write the image: " + message);
}

}  // namespace shortener::qr
