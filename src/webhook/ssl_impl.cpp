// The one translation unit that compiles Asio's SSL support (BOOST_ASIO_SEPARATE_COMPILATION; the rest of Asio is
// compiled in http/asio_impl.cpp). Only the webhook sender uses TLS, so OpenSSL is linked by this library alone.
#include <boost/asio/ssl/impl/src.hpp>
