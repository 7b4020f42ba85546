// An io_context whose owner can destroy the handlers still pending in it while the context lives on.
// Handlers often hold (through a shared_ptr) the object that owns the context: once the context's
// threads are joined, shutdown() destroys them unrun and breaks that cycle, as ~io_context would if it
// could ever run. The services stay, so sockets and timers destroyed afterwards still find them; a
// context that was shut down does not run again.
#pragma once

#include <boost/asio/io_context.hpp>

namespace hyped {

class ShutdownIoContext : public boost::asio::io_context {
 public:
  using boost::asio::io_context::io_context;
  using boost::asio::execution_context::shutdown;
};

}  // namespace hyped
