// Transport: how the executor sends one API call — the seam between the engine and the network.
//
// The executor knows targets, plans and retries; a Transport knows base URLs, connections and
// credentials. send() delivers a request to the platform's base URL with its credentials and
// returns the response, whatever its status: judging it is the connector's job. Errors: kNetwork
// (or kProtocol) for a call that may be retried, a token endpoint that is unreachable or failing
// included; kOversize for an answer too large (body or headers), and kMalformed for one whose
// header is not well-formed (a control byte in a field), which are the server's answer and the
// same again on every try, so the call is not retried; kAuth when no credential can be had (the
// token endpoint refused the app or gave an unusable grant) or the server's TLS certificate is
// refused: the target cannot go on; kConfig when the platform is not configured.
// engine/net/http_transport.h is the real one; tests use a scripted fake.
//
// ready() waits until a request to the platform could leave without waiting for a credential (a
// token being fetched), with send()'s errors when none can be had: the executor asks before it
// takes a rate slot, so a fetch holds requests before their slots, not between slot and write.
// A response says when its request was written (HttpResponse::written) where the transport knows.
//
// token_rejected() tells the transport that a business call refused the token it carried
// (HttpResponse::token_serial), so the next send() fetches a new one.
//
// Thread-safety: as the implementation says; the executor calls from its one thread.
#pragma once

#include <cstdint>

#include <boost/asio/awaitable.hpp>

#include "connectors/targets/target_connector.h"
#include "base/error.h"
#include "engine/net/http_message.h"

namespace hrsync {

namespace net = boost::asio;

class Transport {
 public:
  virtual ~Transport() = default;

  // REQUIRES: the request's strings stay valid until the returned awaitable completes.
  virtual net::awaitable<Result<HttpResponse>> send(Platform platform, const HttpRequest& request) = 0;

  // Completes once a request to `platform` needs no credential fetched first. Always ready by default.
  virtual net::awaitable<Result<void>> ready(Platform platform) {
    (void)platform;
    co_return Result<void>{};
  }

  // The token with `token_serial` was rejected by `platform`; drop it. No-op by default.
  virtual void token_rejected(Platform platform, std::uint64_t token_serial) {
    (void)platform;
    (void)token_serial;
  }
};

}  // namespace hrsync
