// QR codes as a phone would read them: every PNG is decoded again (libpng) and scanned with ZBar, and both
// renderers are compared module by module with libqrencode's matrix.

#include "qr/qr_code.hpp"

#include <gtest/gtest.h>
#include <png.h>
#include <zbar.h>

#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace shortener::qr {
namespace {

struct GrayImage {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> pixels;
    std::uint8_t At(int x, int y) const { return pixels[static_cast<std::size_t>(y * width + x)]; }
};

// Decodes a PNG to 8-bit gray with libpng's simplified API (palette images are converted too).
GrayImage DecodePng(const std::string& png, png_uint_32* format_out = nullptr) {
    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, png.data(), png.size())) {
        throw std::runtime_error(std::string("not a PNG: ") + image.message);
    }
    if (format_out) *format_out = image.format;
    image.format = PNG_FORMAT_GRAY;
    GrayImage out;
    out.width = static_cast<int>(image.width);
    out.height = static_cast<int>(image.height);
    out.pixels.resize(PNG_IMAGE_SIZE(image));
    if (!png_image_finish_read(&image, nullptr, out.pixels.data(), 0, nullptr)) {
        throw std::runtime_error(std::string("PNG decode failed: ") + image.message);
    }
    return out;
}

// Every QR code ZBar finds in the image.
std::vector<std::string> Scan(const GrayImage& image) {
    using namespace zbar;  // zbar.h declares its C API in namespace zbar when compiled as C++
    zbar_image_scanner_t* scanner = zbar_image_scanner_create();
    zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
    zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
    zbar_image_t* zimage = zbar_image_create();
    zbar_image_set_format(zimage, zbar_fourcc('Y', '8', '0', '0'));
    zbar_image_set_size(zimage, static_cast<unsigned>(image.width), static_cast<unsigned>(image.height));
    zbar_image_set_data(zimage, image.pixels.data(), image.pixels.size(), nullptr);
    zbar_scan_image(scanner, zimage);
    std::vector<std::string> found;
    for (const zbar_symbol_t* s = zbar_image_first_symbol(zimage); s; s = zbar_symbol_next(s)) {
        found.emplace_back(zbar_symbol_get_data(s), zbar_symbol_get_data_length(s));
    }
    zbar_image_destroy(zimage);
    zbar_image_scanner_destroy(scanner);
    return found;
}

// Rebuilds the module grid from the SVG path ("Mx yhNv1h-Nz" per run) and checks the frame around it.
std::vector<std::uint8_t> ModulesFromSvg(const std::string& svg, int width, int margin) {
    std::smatch m;
    EXPECT_TRUE(std::regex_search(svg, m, std::regex(R"re(<path fill="#[0-9a-f]{6}" d="([^"]*)"/>)re")));
    const std::string d = m[1];
    std::vector<std::uint8_t> grid(static_cast<std::size_t>(width * width), 0);
    static const std::regex kRun(R"(M(\d+) (\d+)h(\d+)v1h-(\d+)z)");
    std::size_t consumed = 0;
    for (std::sregex_iterator it(d.begin(), d.end(), kRun), end; it != end; ++it) {
        EXPECT_EQ(static_cast<std::size_t>(it->position()), consumed) << "unexpected text in the path";
        consumed = static_cast<std::size_t>(it->position() + it->length());
        const int x = std::stoi((*it)[1]) - margin, y = std::stoi((*it)[2]) - margin, n = std::stoi((*it)[3]);
        EXPECT_EQ(n, std::stoi((*it)[4]));
        for (int i = 0; i < n; ++i) {
            EXPECT_TRUE(x + i >= 0 && x + i < width && y >= 0 && y < width) << "run outside the symbol";
            auto& cell = grid[static_cast<std::size_t>(y * width + x + i)];
            EXPECT_EQ(cell, 0) << "runs overlap";
            cell = 1;
        }
    }
    EXPECT_EQ(consumed, d.size());
    return grid;
}

const std::string kUrl = "https://sho.rt/Ab3_x-9";

TEST(QrEncode, MatrixHasTheVersionsSize) {
    for (Ecc ecc : {Ecc::kL, Ecc::kM, Ecc::kQ, Ecc::kH}) {
        Matrix m = Encode(kUrl, ecc);
        EXPECT_GE(m.version, 1);
        EXPECT_EQ(m.width, 17 + 4 * m.version);
        EXPECT_EQ(m.dark.size(), static_cast<std::size_t>(m.width * m.width));
        // The top-left finder pattern: a dark 7x7 ring around a light ring around a dark 3x3 centre.
        for (int i = 0; i < 7; ++i) {
            EXPECT_TRUE(m.Dark(i, 0) && m.Dark(0, i) && m.Dark(6, i) && m.Dark(i, 6));
        }
        EXPECT_FALSE(m.Dark(1, 1));
        EXPECT_TRUE(m.Dark(3, 3));
    }
    // More redundancy needs a bigger symbol for the same text.
    EXPECT_GT(Encode(std::string(100, 'a'), Ecc::kH).version, Encode(std::string(100, 'a'), Ecc::kL).version);
}

TEST(QrEncode, TooLongTextIsALengthError) {
    EXPECT_THROW(Encode(std::string(3000, 'a'), Ecc::kH), std::length_error);
    EXPECT_NO_THROW(Encode(std::string(1200, 'a'), Ecc::kH));
}

TEST(QrPng, DecodesToTheShortUrlAtEveryLevelSizeAndMargin) {
    for (Ecc ecc : {Ecc::kL, Ecc::kM, Ecc::kQ, Ecc::kH}) {
        for (int size : {64, 200, 512, 2048}) {
            for (int margin : {2, 4, 16}) {
                RenderOptions options;
                options.size = size;
                options.margin = margin;
                const Matrix m = Encode(kUrl, ecc);
                const GrayImage image = DecodePng(RenderPng(m, options));
                const int total = m.width + 2 * margin;
                const int scale = PixelsPerModule(m, options);
                EXPECT_EQ(image.width, total * scale);
                EXPECT_EQ(image.height, total * scale);
                // Nearest multiple of the modules per side (at least 1 pixel per module).
                EXPECT_LE(std::abs(image.width - size), std::max(total / 2, total - size)) << size << " " << margin;
                if (scale >= 2) {
                    EXPECT_EQ(Scan(image), std::vector<std::string>{kUrl})
                        << "ecc " << EccLetter(ecc) << " size " << size << " margin " << margin;
                }
            }
        }
    }
}

TEST(QrPng, EveryPixelIsItsModulesColour) {
    const Matrix m = Encode(kUrl, Ecc::kQ);
    for (int margin : {0, 3}) {
        RenderOptions options;
        options.size = 300;
        options.margin = margin;
        const int scale = PixelsPerModule(m, options);
        png_uint_32 format = 0;
        const GrayImage image = DecodePng(RenderPng(m, options), &format);
        EXPECT_EQ(format, static_cast<png_uint_32>(PNG_FORMAT_GRAY));
        for (int y = 0; y < image.height; ++y) {
            for (int x = 0; x < image.width; ++x) {
                const int mx = x / scale - margin, my = y / scale - margin;
                const bool dark = mx >= 0 && my >= 0 && mx < m.width && my < m.width && m.Dark(mx, my);
                ASSERT_EQ(image.At(x, y), dark ? 0 : 255) << x << "," << y;
            }
        }
    }
}

TEST(QrPng, ColoursUseAPaletteAndStillScan) {
    RenderOptions options;
    options.foreground = *ParseColor("#1a237e");
    options.background = *ParseColor("FFF8E1");
    png_uint_32 format = 0;
    const GrayImage image = DecodePng(RenderPng(Encode(kUrl, Ecc::kM), options), &format);
    EXPECT_TRUE(format & PNG_FORMAT_FLAG_COLORMAP);
    EXPECT_TRUE(format & PNG_FORMAT_FLAG_COLOR);
    EXPECT_EQ(Scan(image), std::vector<std::string>{kUrl});
}

TEST(QrPng, IsSmall) {
    RenderOptions options;
    options.size = 2048;
    const std::string png = RenderPng(Encode(kUrl, Ecc::kM), options);
    EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    EXPECT_LT(png.size(), 64u * 1024) << "a 2048-pixel code compresses to a few kilobytes";
}

TEST(QrSvg, PathIsExactlyTheMatrix) {
    for (Ecc ecc : {Ecc::kL, Ecc::kH}) {
        for (int margin : {0, 4, 16}) {
            const Matrix m = Encode(kUrl, ecc);
            RenderOptions options;
            options.size = 333;
            options.margin = margin;
            const std::string svg = RenderSvg(m, options);
            const int total = m.width + 2 * margin;
            const std::string view = "viewBox=\"0 0 " + std::to_string(total) + " " + std::to_string(total) + "\"";
            EXPECT_NE(svg.find(view), std::string::npos) << svg.substr(0, 200);
            EXPECT_NE(svg.find(R"(width="333" height="333")"), std::string::npos);
            EXPECT_EQ(ModulesFromSvg(svg, m.width, margin), m.dark);
        }
    }
}

TEST(QrSvg, OnePathRunsMergedNothingActive) {
    const Matrix m = Encode(kUrl, Ecc::kM);
    RenderOptions options;
    options.foreground = {0x11, 0x22, 0x33};
    const std::string svg = RenderSvg(m, options);
    EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
    std::size_t paths = 0;
    for (std::size_t at = svg.find("<path"); at != std::string::npos; at = svg.find("<path", at + 1)) ++paths;
    EXPECT_EQ(paths, 1u);
    EXPECT_NE(svg.find(R"(fill="#112233")"), std::string::npos);
    EXPECT_NE(svg.find(R"(<rect width=")"), std::string::npos);
    EXPECT_EQ(svg.find("script"), std::string::npos);
    EXPECT_EQ(svg.find("href"), std::string::npos);
    // One subpath per maximal horizontal run, so far fewer than dark modules.
    std::size_t dark = 0, runs = 0;
    for (int y = 0; y < m.width; ++y) {
        for (int x = 0; x < m.width; ++x) {
            dark += m.Dark(x, y);
            runs += m.Dark(x, y) && (x == 0 || !m.Dark(x - 1, y));
        }
    }
    std::size_t subpaths = 0;
    for (char c : svg) subpaths += c == 'M';
    EXPECT_EQ(subpaths, runs);
    EXPECT_LT(subpaths * 3, dark * 2);
    EXPECT_NE(svg.find("M4 4h7v1h-7z"), std::string::npos);
}

TEST(QrOptions, ParseColorAndEcc) {
    EXPECT_EQ(ParseColor("#000000"), (Rgb{0, 0, 0}));
    EXPECT_EQ(ParseColor("FfA0b1"), (Rgb{0xff, 0xa0, 0xb1}));
    EXPECT_EQ(FormatColor({0xff, 0xa0, 0xb1}), "#ffa0b1");
    for (const char* bad : {"", "#", "#fff", "#12345", "#1234567", "12345g", "#-12345", " 123456", "red", "##123456"}) {
        EXPECT_FALSE(ParseColor(bad)) << bad;
    }
    EXPECT_EQ(ParseEcc("L"), Ecc::kL);
    EXPECT_EQ(ParseEcc("h"), Ecc::kH);
    for (const char* bad : {"", "X", "LM", "0", "m "}) EXPECT_FALSE(ParseEcc(bad)) << bad;
}

}  // namespace
}  // namespace shortener::qr
