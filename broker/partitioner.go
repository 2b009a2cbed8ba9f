package broker

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/kafkasim/kafkasim/internal/clock"
)

// Partitioner picks the partition of a record from its key, as a producer
// does when no explicit partition is given. A nil key is a null key; an
// empty non-nil key is an empty key. numPartitions must be positive.
//
// Like librdkafka, whose sticky state lives on the topic, use one
// Partitioner per topic. Partitioners are deterministic: time comes from the
// clock and randomness from the *rand.Rand they were built with.
type Partitioner interface {
	Partition(key []byte, numPartitions int32) int32
}

// DefaultStickyLinger is librdkafka's sticky.partitioning.linger.ms default.
const DefaultStickyLinger = 10 * time.Millisecond

// CRC32 is the IEEE CRC-32 (as zlib and librdkafka's rd_crc32) of key.
func CRC32(key []byte) uint32 {
	if len(key) >= 16 {
		return crc32.ChecksumIEEE(key)
	}
	// Short keys, the usual ones: a table walk costs less than the
	// library's set-up for a few bytes. Four bytes at a time (slicing by
	// 4), then byte by byte.
	crc := ^uint32(0)
	for len(key) >= 4 {
		crc ^= binary.LittleEndian.Uint32(key)
		crc = crcSlice4[3][byte(crc)] ^ crcSlice4[2][byte(crc>>8)] ^ crcSlice4[1][byte(crc>>16)] ^ crcSlice4[0][crc>>24]
		key = key[4:]
	}
	for _, b := range key {
		crc = crcSlice4[0][byte(crc)^b] ^ crc>>8
	}
	return ^crc
}

// crcSlice4 are the slicing-by-4 tables of the IEEE CRC-32: crcSlice4[0]
// is the byte-at-a-time table, crcSlice4[k][b] the CRC of byte b followed
// by k zero bytes.
var crcSlice4 = func() (t [4][256]uint32) {
	t[0] = *crc32.IEEETable
	for k := 1; k < 4; k++ {
		for i := range 256 {
			c := t[k-1][i]
			t[k][i] = t[0][byte(c)] ^ c>>8
		}
	}
	return t
}()

// Murmur2 is Kafka's (Java client's and librdkafka's) 32-bit murmur2 of key:
// seed 0x9747b28c, m 0x5bd1e995, r 24, little-endian 4-byte words.
func Murmur2(key []byte) uint32 {
	const (
		seed = 0x9747b28c
		m    = 0x5bd1e995
		r    = 24
	)
	n := len(key)
	h := uint32(seed) ^ uint32(n)
	i := 0
	for ; i+4 <= n; i += 4 {
		k := uint32(key[i]) | uint32(key[i+1])<<8 | uint32(key[i+2])<<16 | uint32(key[i+3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	switch n - i {
	case 3:
		h ^= uint32(key[i+2]) << 16
		fallthrough
	case 2:
		h ^= uint32(key[i+1]) << 8
		fallthrough
	case 1:
		h ^= uint32(key[i])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h
}

// FNV1a is the standard 32-bit FNV-1a hash of key.
func FNV1a(key []byte) uint32 {
	h := uint32(0x811c9dc5)
	for _, c := range key {
		h ^= uint32(c)
		h *= 0x01000193
	}
	return h
}

// rdFNV1a is librdkafka's rd_fnv1a: FNV-1a taken as a signed 32-bit value
// and made non-negative (for compatibility with Sarama's hash partitioner),
// so rdFNV1a("") is 0x7ee3623b, not 0x811c9dc5.
func rdFNV1a(key []byte) uint32 {
	h := int32(FNV1a(key))
	if h < 0 {
		h = -h // wraps for MinInt32, as in C
	}
	return uint32(h)
}

// hashKind is the hash a keyed partitioner maps keys with (a switch, not
// a function value: the default, CRC32, is then one call per record).
type hashKind uint8

const (
	hashCRC32 hashKind = iota
	hashMurmur2
	hashFNV1a
)

// sticky holds librdkafka's per-topic sticky partition for null keys: a
// random partition, redrawn at the first record more than linger after the
// previous draw (rd_interval), or when it no longer exists.
type sticky struct {
	clk    clock.Clock
	r      *rand.Rand
	linger time.Duration
	drawn  bool
	at     time.Time
	p      int32
}

func (s *sticky) partition(n int32) int32 {
	now := s.clk.Now()
	if !s.drawn || s.p >= n || now.Sub(s.at) > s.linger {
		s.p = int32(s.r.IntN(int(n)))
		s.at, s.drawn = now, true
	}
	return s.p
}

// keyed is a librdkafka partitioner: hash for keyed records, the sticky
// partition for null keys (and for empty keys when emptyIsNull, as
// consistent_random does).
type keyed struct {
	hash        hashKind
	emptyIsNull bool
	sticky
}

func (k *keyed) Partition(key []byte, n int32) int32 {
	if key == nil || (k.emptyIsNull && len(key) == 0) {
		return k.sticky.partition(n)
	}
	switch k.hash {
	case hashCRC32:
		return int32(CRC32(key) % uint32(n))
	case hashMurmur2:
		return int32((Murmur2(key) & 0x7fffffff) % uint32(n))
	}
	return int32(rdFNV1a(key) % uint32(n))
}

// random is librdkafka's "random" partitioner: uniform per record, no sticky.
type random struct{ r *rand.Rand }

func (p random) Partition(_ []byte, n int32) int32 { return int32(p.r.IntN(int(n))) }

func newKeyed(h hashKind, emptyIsNull bool, clk clock.Clock, r *rand.Rand, linger time.Duration) *keyed {
	return &keyed{hash: h, emptyIsNull: emptyIsNull, sticky: sticky{clk: clk, r: r, linger: linger}}
}

// NewConsistentRandom is librdkafka's default partitioner,
// "consistent_random": CRC32(key) mod N (unsigned); null and empty keys go
// to a sticky random partition drawn from r and redrawn every stickyLinger
// (sticky.partitioning.linger.ms, DefaultStickyLinger).
func NewConsistentRandom(clk clock.Clock, r *rand.Rand, stickyLinger time.Duration) Partitioner {
	return newKeyed(hashCRC32, true, clk, r, stickyLinger)
}

// NewMurmur2Random is librdkafka's "murmur2_random" (Java-compatible
// keyed placement): (Murmur2(key) & 0x7fffffff) mod N; null keys go to the
// sticky random partition; an empty key is hashed.
func NewMurmur2Random(clk clock.Clock, r *rand.Rand, stickyLinger time.Duration) Partitioner {
	return newKeyed(hashMurmur2, false, clk, r, stickyLinger)
}

// NewMurmur2 is librdkafka's "murmur2". Keyed records as NewMurmur2Random.
// librdkafka's documentation says null keys map to a single partition, but
// since sticky partitioning (v1.5) its producer sends null keys of every
// partitioner except "random" to the sticky partition; so does this one.
func NewMurmur2(clk clock.Clock, r *rand.Rand, stickyLinger time.Duration) Partitioner {
	return newKeyed(hashMurmur2, false, clk, r, stickyLinger)
}

// NewConsistent is librdkafka's "consistent": CRC32(key) mod N, an empty key
// hashing to partition 0 (CRC32 of nothing is 0); null keys go to the
// sticky partition, as librdkafka does (see NewMurmur2).
func NewConsistent(clk clock.Clock, r *rand.Rand, stickyLinger time.Duration) Partitioner {
	return newKeyed(hashCRC32, false, clk, r, stickyLinger)
}

// NewFNV1a is librdkafka's "fnv1a" (Sarama-compatible): |int32(FNV1a(key))|
// mod N, as librdkafka's rd_fnv1a takes the absolute value of the signed
// hash; null keys go to the sticky partition.
func NewFNV1a(clk clock.Clock, r *rand.Rand, stickyLinger time.Duration) Partitioner {
	return newKeyed(hashFNV1a, false, clk, r, stickyLinger)
}

// NewFNV1aRandom is librdkafka's "fnv1a_random"; in the producer it behaves
// exactly like "fnv1a" (null keys sticky, keys hashed).
func NewFNV1aRandom(clk clock.Clock, r *rand.Rand, stickyLinger time.Duration) Partitioner {
	return newKeyed(hashFNV1a, false, clk, r, stickyLinger)
}

// NewRandom is librdkafka's "random": every record, keyed or not, goes to
// a partition drawn uniformly from r (no sticky partitioning).
func NewRandom(r *rand.Rand) Partitioner { return random{r} }

// PartitionerNames are the librdkafka partitioner names PartitionerByName
// accepts.
var PartitionerNames = []string{"random", "consistent", "consistent_random", "murmur2", "murmur2_random", "fnv1a", "fnv1a_random"}

// PartitionerByName returns the librdkafka partitioner called name (the
// "partitioner" configuration property; see PartitionerNames). An unknown
// name is an error naming it and the allowed ones.
func PartitionerByName(name string, clk clock.Clock, r *rand.Rand, stickyLinger time.Duration) (Partitioner, error) {
	switch name {
	case "random":
		return NewRandom(r), nil
	case "consistent":
		return NewConsistent(clk, r, stickyLinger), nil
	case "consistent_random":
		return NewConsistentRandom(clk, r, stickyLinger), nil
	case "murmur2":
		return NewMurmur2(clk, r, stickyLinger), nil
	case "murmur2_random":
		return NewMurmur2Random(clk, r, stickyLinger), nil
	case "fnv1a":
		return NewFNV1a(clk, r, stickyLinger), nil
	case "fnv1a_random":
		return NewFNV1aRandom(clk, r, stickyLinger), nil
	}
	return nil, fmt.Errorf("broker: unknown partitioner %q (allowed: %s)", name, strings.Join(PartitionerNames, ", "))
}
