#pragma once
/// @file
/// @brief When a failed delivery is tried again (docs/webhooks.md "Retries"): exponential backoff with jitter.

#include <chrono>

namespace shortener::webhook {

struct RetryPolicy {
    std::chrono::milliseconds base{10'000};           // SHORTENER_WEBHOOK_RETRY_BASE_MS: the first retry's nominal wait
    std::chrono::milliseconds cap{3'600'000};         // the longest wait between two attempts
    std::chrono::milliseconds retry_for{86'400'000};  // SHORTENER_WEBHOOK_RETRY_FOR_S: give up after this age
};

/// The wait after the `attempts`-th failed attempt (1-based): base·2^(attempts−1), capped, then scaled into
/// [50 %, 100 %] by `unit` (a uniform draw in [0, 1)), so that receivers coming back are not hit all at once.
std::chrono::milliseconds RetryDelay(int attempts, double unit, const RetryPolicy& policy);

}  // namespace shortener::webhook
