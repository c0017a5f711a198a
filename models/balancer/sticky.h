// Session affinity ("sticky sessions") on top of any picker.
//
// Follows cookie affinity as NGINX Plus `sticky cookie` and HAProxy `cookie SRV insert`
// do it: the first request of a session is balanced by the underlying algorithm and the
// chosen server is remembered (the real systems write it into a cookie; we keep a table
// keyed by session id, which is what the cookie amounts to). Later requests of the session
// go to that server while it is present and available. When it is unavailable, the request
// is balanced anew and the session sticks to the new server (both systems ignore a cookie
// naming a server that is down); when it leaves for good (scale-in, crash), the balancer
// calls forget_backend() and its sessions start over.
// Simplified: no cookie expiry; a session stays in the table until erased or its backend
// is forgotten (the caller may erase sessions that end).
//
// Costs: find/assign/erase O(1) expected (open addressing, linear probing, load <= 1/2);
// assign allocates only when the table doubles. forget_backend O(capacity), allocating.
// pick_sticky adds O(n) to find the remembered backend's index by id.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "lib/picker/picker.h"

namespace archsim {

class StickyTable {
 public:
  explicit StickyTable(std::size_t expected_sessions = 64);

  std::optional<std::uint64_t> find(std::uint64_t session) const;  // backend id
  void assign(std::uint64_t session, std::uint64_t backend_id);      // insert or overwrite
  bool erase(std::uint64_t session);
  // Unsticks every session of a backend that left; returns how many there were.
  std::size_t forget_backend(std::uint64_t backend_id);
  std::size_t size() const { return size_; }

 private:
  struct Slot {
    std::uint64_t session = 0;
    std::uint64_t backend = 0;
    bool used = false;
  };
  std::size_t home(std::uint64_t session) const;
  void grow();
  std::vector<Slot> slots_;  // capacity is a power of two
  std::size_t size_ = 0;
};

// The session's backend if it is still a member and eligible; otherwise picker.pick(), and
// the session is (re)stuck to the result. in.session == 0 means no session: a plain pick.
int pick_sticky(StickyTable& table, Picker& picker, std::span<const Backend> backends, const PickInput& in,
                Rng& rng);

}  // namespace archsim
