// The TLS listener (issue #14): the one translation unit of the server that includes OpenSSL's and Asio's SSL
// headers (Asio's SSL implementation itself is compiled once, in webhook/ssl_impl.cpp). Certificates come from
// SHORTENER_TLS_DIR and are picked per connection by SNI (http/tls_names.hpp); a thread polls the directory every
// 2 s and swaps in a new set when a file's size or mtime changed. Polling rather than inotify: it sees Kubernetes
// secret volumes (an atomic swap of a `..data` symlink) and any editor's rename without special cases, and a
// stat of a few files every 2 s costs nothing.

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "http/detail/session_impl.hpp"
#include "http/tls_names.hpp"
#include "log/log.hpp"

namespace shortener::http {

namespace ssl = boost::asio::ssl;
namespace fs = std::filesystem;
using session_detail::Clock;
using tcp = boost::asio::ip::tcp;

namespace {

// Mozilla's "intermediate" configuration (v5.7): TLS 1.2 with these AEAD suites, TLS 1.3 with OpenSSL's defaults
// (all three of its suites are in the intermediate list).
constexpr const char* kIntermediateCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";
constexpr std::chrono::seconds kPollInterval{2};

std::shared_ptr<ssl::context> NewContext() {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    SSL_CTX* native = ctx->native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    SSL_CTX_set_cipher_list(native, kIntermediateCiphers);
    SSL_CTX_set_dh_auto(native, 1);
    SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
    return ctx;
}

// The size and modification time of a file, to notice a change.
struct FileStamp {
    std::uintmax_t size = 0;
    fs::file_time_type mtime{};
    friend bool operator==(const FileStamp&, const FileStamp&) = default;
};

// One certificate/key pair as found on disk: the stamps of both files.
struct PairStamp {
    FileStamp crt;
    FileStamp key;
    friend bool operator==(const PairStamp&, const PairStamp&) = default;
};

using DirectoryStamp = std::map<std::string, PairStamp, std::less<>>;

// The pairs in `dir` (stems with both a .crt and a .key; other files are ignored).
DirectoryStamp Scan(const fs::path& dir) {
    std::map<std::string, std::pair<std::optional<FileStamp>, std::optional<FileStamp>>> found;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string file = it->path().filename().string();
        auto stem = CertificateStemOf(file);
        if (!stem) continue;
        // Follows symlinks (Kubernetes secret volumes are symlinks into a `..data` directory).
        std::error_code sec;
        FileStamp stamp{fs::file_size(it->path(), sec), fs::last_write_time(it->path(), sec)};
        if (sec) continue;
        auto& slot = found[*stem];
        (file.ends_with(".crt") ? slot.first : slot.second) = stamp;
    }
    DirectoryStamp out;
    for (auto& [stem, files] : found) {
        if (files.first && files.second) out.emplace(stem, PairStamp{*files.first, *files.second});
    }
    return out;
}

}  // namespace

// One loaded set of certificates. Immutable once built; connections keep theirs alive while they handshake.
struct CertificateSet {
    std::map<std::string, std::shared_ptr<ssl::context>, std::less<>> by_stem;
    DirectoryStamp stamps;                // what by_stem was loaded from (a failed pair keeps its old stamp)
    std::shared_ptr<ssl::context> first;  // what every connection starts with: no certificate, the SNI callback

    // The context for a server name (SNI; null or empty when the client sent none), or null.
    SSL_CTX* Pick(const char* server_name) const {
        for (const auto& stem : CertificateStems(server_name ? server_name : "")) {
            if (auto it = by_stem.find(stem); it != by_stem.end()) return it->second->native_handle();
        }
        return nullptr;
    }
};

namespace {

// OpenSSL's SNI callback (also called when the client sent no name): switches the connection to the certificate
// for its name, or refuses with unrecognized_name when there is none and no default.
int OnServerName(SSL* ssl, int* alert, void* arg) {
    const auto* set = static_cast<const CertificateSet*>(arg);
    SSL_CTX* ctx = set->Pick(SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name));
    if (ctx == nullptr) {
        *alert = SSL_AD_UNRECOGNIZED_NAME;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    SSL_set_SSL_CTX(ssl, ctx);
    return SSL_TLSEXT_ERR_OK;
}

// A context serving `stem`'s certificate chain and key; throws (with OpenSSL's reason) when they do not load or
// do not match.
std::shared_ptr<ssl::context> LoadPair(const fs::path& dir, const std::string& stem) {
    auto ctx = NewContext();
    ctx->use_certificate_chain_file((dir / (stem + ".crt")).string());
    ctx->use_private_key_file((dir / (stem + ".key")).string(), ssl::context::pem);
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
        throw std::runtime_error("the key does not match the certificate");
    }
    return ctx;
}

}  // namespace

class TlsCertificates {
  public:
    TlsCertificates(fs::path dir, ServerProbe& probe) : dir_(std::move(dir)), probe_(probe) {
        auto stamps = Scan(dir_);
        if (stamps.empty()) {
            log::Warn("tls_no_certificates", {{"dir", dir_.string()}});  // handshakes fail until some appear
        }
        Swap(Build(std::move(stamps)));
        poller_ = std::thread([this] { Poll(); });
    }
    ~TlsCertificates() {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        wake_.notify_all();
        poller_.join();
    }
    TlsCertificates(const TlsCertificates&) = delete;
    TlsCertificates& operator=(const TlsCertificates&) = delete;

    std::shared_ptr<const CertificateSet> Current() const {
        std::lock_guard lock(mutex_);
        return current_;
    }

  private:
    void Poll() {
        pthread_setname_np(pthread_self(), "tls-reload");
        std::unique_lock lock(mutex_);
        while (!wake_.wait_for(lock, kPollInterval, [this] { return stop_; })) {
            lock.unlock();
            auto stamps = Scan(dir_);
            if (stamps != scanned_) Swap(Build(std::move(stamps)));
            lock.lock();
        }
    }

    // A new set from the pairs on disk. A pair that is unchanged keeps its context; one that fails to load keeps
    // the previous one (a half-written or broken file never takes a name offline).
    std::shared_ptr<CertificateSet> Build(DirectoryStamp stamps) {
        auto previous = Current();
        auto set = std::make_shared<CertificateSet>();
        for (const auto& [stem, stamp] : stamps) {
            const std::shared_ptr<ssl::context>* old_context = nullptr;
            const PairStamp* old_stamp = nullptr;
            if (previous) {
                if (auto it = previous->by_stem.find(stem); it != previous->by_stem.end()) {
                    old_context = &it->second;
                    old_stamp = &previous->stamps.at(stem);
                }
            }
            if (old_stamp && *old_stamp == stamp) {
                set->by_stem.emplace(stem, *old_context);
                set->stamps.emplace(stem, stamp);
                continue;
            }
            try {
                set->by_stem.emplace(stem, LoadPair(dir_, stem));
                set->stamps.emplace(stem, stamp);
                log::Info("tls_certificate_loaded", {{"name", stem}});
            } catch (const std::exception& e) {
                probe_.tls_reload_failures.Inc();
                log::Error("tls_certificate_invalid", {{"name", stem}, {"error", e.what()}});
                if (old_context) {
                    set->by_stem.emplace(stem, *old_context);
                    set->stamps.emplace(stem, *old_stamp);
                }
            }
        }
        scanned_ = std::move(stamps);
        set->first = NewContext();
        SSL_CTX_set_tlsext_servername_callback(set->first->native_handle(), OnServerName);
        SSL_CTX_set_tlsext_servername_arg(set->first->native_handle(), set.get());
        return set;
    }

    void Swap(std::shared_ptr<CertificateSet> set) {
        std::lock_guard lock(mutex_);
        current_ = std::move(set);
    }

    const fs::path dir_;
    ServerProbe& probe_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::shared_ptr<const CertificateSet> current_;
    DirectoryStamp scanned_;  // the poller's last scan (its thread only, and the constructor's)
    std::thread poller_;
};

void TlsCertificatesDeleter::operator()(TlsCertificates* p) const noexcept { delete p; }

std::unique_ptr<TlsCertificates, TlsCertificatesDeleter> StartTlsCertificates(const ServerOptions& options,
                                                                              ServerProbe& probe) {
    return std::unique_ptr<TlsCertificates, TlsCertificatesDeleter>(new TlsCertificates(options.tls_dir, probe));
}

boost::asio::awaitable<void> RunTlsSession(tcp::socket socket, Server::Impl& server, Loop& loop) {
    using session_detail::ConnectionGuard;
    using Stream = ssl::stream<tcp::socket>;
    boost::system::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    const auto certificates = server.tls->Current();  // alive until this connection ends
    Stream stream(std::move(socket), *certificates->first);
    // The sweeper closes a handshake that is not done within its timeout, as it does a slow request.
    Connection connection{&stream.next_layer(), true, false, Clock::now() + server.options.handshake_timeout};
    ConnectionGuard guard(loop, &connection, server.probe.active_connections);
    auto [handshake_ec] =
        co_await stream.async_handshake(ssl::stream_base::server, boost::asio::as_tuple(boost::asio::use_awaitable));
    if (!handshake_ec) {
        session_detail::Session<Stream> session(stream, server, connection,
                                                session_detail::RemoteAddress(stream.next_layer()));
        co_await session.Run();
    } else {
        server.probe.tls_handshake_failures.Inc();
    }
    // No close_notify: the client has its whole response (HTTP framing says where it ends), and waiting for a
    // slow peer's answer is not worth a timer per connection.
    stream.next_layer().shutdown(tcp::socket::shutdown_send, ec);
    stream.next_layer().close(ec);
}

}  // namespace shortener::http
