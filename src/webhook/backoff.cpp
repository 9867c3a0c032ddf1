#include "webhook/backoff.hpp"

#include <algorithm>

namespace shortener::webhook {

std::chrono::milliseconds RetryDelay(int attempts, double unit, const RetryPolicy& policy) {
    const double cap = static_cast<double>(policy.cap.count());
    double nominal = static_cast<double>(policy.base.count());
    for (int i = 1; i < attempts && nominal < cap; ++i) nominal *= 2;
    nominal = std::min(nominal, cap);
    const double scaled = nominal * (0.5 + 0.5 * std::clamp(unit, 0.0, 1.0));
    return std::chrono::milliseconds(static_cast<std::int64_t>(scaled));
}

}  // namespace shortener::webhook
