// Kafka's default partitioner for keyed records: murmur2 of the serialized key bytes, made
// non-negative, modulo the partition count (read: Apache Kafka
// clients/src/main/java/org/apache/kafka/common/utils/Utils.java murmur2() and toPositive(),
// clients/.../producer/internals/BuiltInPartitioner.java partitionForKey(); tested against the
// vectors of clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java testMurmur2).
//
// Key bytes: archsim's keys are integers; a record's key is taken as Kafka's StringSerializer
// would write the key's decimal text ("12345" -> the 5 UTF-8 bytes), the common case of an
// order or user id sent as a string key. So a keyed message lands on the partition a real
// producer with a string key of the same id picks.
//
// Cost: O(key bytes), no allocation.
#pragma once
#include <cstddef>
#include <cstdint>

namespace archsim::queue {

// Murmur2 (32-bit, seed 0x9747b28c) of `n` bytes, as Kafka's Utils.murmur2 returns it (a Java
// int: the bit pattern is returned here as int32).
std::int32_t murmur2(const unsigned char* data, std::size_t n);

// Kafka's Utils.toPositive: the sign bit cleared (not abs: Integer.MIN_VALUE maps to 0).
inline std::uint32_t to_positive(std::int32_t h) { return static_cast<std::uint32_t>(h) & 0x7fffffffu; }

// The partition of a record whose key is the integer `key` (its decimal text as the bytes).
std::uint32_t partition_for_key(std::uint64_t key, std::uint32_t partitions);

}  // namespace archsim::queue
