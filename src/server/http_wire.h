// HTTP/1.x message heads written by hand, one string per head: Beast's field list costs an
// allocation per header and its serializer hands the socket a dozen small buffers per message,
// which together were a tenth of the data plane's CPU per proxied request.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "server/http_types.h"

namespace vsr::server {

// A header is written only when its name is an HTTP token and its value holds no CR, LF or
// NUL, so a value from a config, a client or a backend can never start a header of its own.
bool ValidHeader(std::string_view name, std::string_view value);

// 1xx, 204 and 304 responses have no body (and so no Content-Length).
bool ResponseHasBody(int status);

// Content-Length of a head, or kChunked for Transfer-Encoding: chunked.
inline constexpr size_t kChunked = static_cast<size_t>(-1);

// A response head: the status line, Server: vllm-sr and Content-Type (unless `headers` names
// them), `headers` (of one name the last wins, as setting a field twice does; Content-Length,
// Transfer-Encoding and Connection are the writer's and skipped), the body's framing, and
// Connection as `keep_alive` needs it for `version` (10 or 11), then the empty line.
std::string ResponseHead(unsigned version, int status, std::string_view content_type,
                         const HeaderList& headers, bool keep_alive, size_t content_length);

// An HTTP/1.1 request head to a backend: Host, User-Agent: vllm-sr, Content-Type:
// application/json when there is a body (unless `headers` names them), `headers` as above,
// and Content-Length (always for POST, PUT and PATCH, else when there is a body).
std::string RequestHead(std::string_view method, std::string_view target, std::string_view host,
                        const HeaderList& headers, size_t body_size);

// "<size in hex>\r\n", the line before a chunk of `size` bytes, written into `out`; returns
// its length.
size_t ChunkSizeLine(size_t size, char (&out)[20]);

}  // namespace vsr::server
