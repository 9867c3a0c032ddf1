#pragma once
#include <string_view>

namespace shortener {

/// A file compiled into the binary (see cmake/EmbedFiles.cmake).
struct EmbeddedFile {
    std::string_view name;
    std::string_view content;
};

}  // namespace shortener
