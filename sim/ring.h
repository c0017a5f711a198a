// A FIFO ring buffer of trivially copyable values whose storage doubles when full and is
// never released: queues on the request path allocate only while growing to their peak.
// Cost: push/pop/pop_back O(1).
#pragma once
#include <cstddef>
#include <vector>

namespace archsim {

template <class T>
class Ring {
 public:
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  void push(const T& v) {
    if (size_ == buf_.size()) grow();
    buf_[(head_ + size_) & (buf_.size() - 1)] = v;
    ++size_;
  }
  T pop() {
    T v = buf_[head_];
    head_ = (head_ + 1) & (buf_.size() - 1);
    --size_;
    return v;
  }
  // The newest element (a LIFO pop), O(1).
  T pop_back() {
    --size_;
    return buf_[(head_ + size_) & (buf_.size() - 1)];
  }
  const T& front() const { return buf_[head_]; }
  // i-th element from the front.
  T& at(std::size_t i) { return buf_[(head_ + i) & (buf_.size() - 1)]; }
  const T& at(std::size_t i) const { return buf_[(head_ + i) & (buf_.size() - 1)]; }
  void clear() { head_ = size_ = 0; }

 private:
  void grow() {
    std::vector<T> bigger(buf_.empty() ? 16 : buf_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = buf_[(head_ + i) & (buf_.size() - 1)];
    buf_.swap(bigger);
    head_ = 0;
  }
  std::vector<T> buf_;
  std::size_t head_ = 0, size_ = 0;
};

}  // namespace archsim
