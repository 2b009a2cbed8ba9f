package broker

import (
	"hash/crc32"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/internal/clock"
)

// The reference values of docs/kafka-semantics.md §6.
func TestPartitionerReferenceValues(t *testing.T) {
	cases := []struct {
		key          string
		murmur2      uint32
		java         [3]int32 // N = 3, 6, 12
		crc32        uint32
		librdkafkaCR [3]int32
	}{
		{"kafka", 0xd067cf64, [3]int32{1, 4, 4}, 0x5bbc7517, [3]int32{2, 5, 11}},
		{"key1", 0x01b38bc4, [3]int32{2, 2, 8}, 0x2c5c6450, [3]int32{1, 4, 4}},
		{"hello", 0x7f1ddbbd, [3]int32{0, 3, 9}, 0x3610a686, [3]int32{1, 4, 10}},
	}
	sim := clock.NewSim(1)
	cr := NewConsistentRandom(sim, sim.Rand(), DefaultStickyLinger)
	cons := NewConsistent(sim, sim.Rand(), DefaultStickyLinger)
	mr := NewMurmur2Random(sim, sim.Rand(), DefaultStickyLinger)
	m := NewMurmur2(sim, sim.Rand(), DefaultStickyLinger)
	for _, c := range cases {
		if got := Murmur2([]byte(c.key)); got != c.murmur2 {
			t.Errorf("Murmur2(%q) = %#x, want %#x", c.key, got, c.murmur2)
		}
		if got := CRC32([]byte(c.key)); got != c.crc32 {
			t.Errorf("CRC32(%q) = %#x, want %#x", c.key, got, c.crc32)
		}
		for i, n := range []int32{3, 6, 12} {
			if got := mr.Partition([]byte(c.key), n); got != c.java[i] {
				t.Errorf("murmur2_random(%q, %d) = %d, want %d", c.key, n, got, c.java[i])
			}
			if got := m.Partition([]byte(c.key), n); got != c.java[i] {
				t.Errorf("murmur2(%q, %d) = %d, want %d", c.key, n, got, c.java[i])
			}
			if got := cr.Partition([]byte(c.key), n); got != c.librdkafkaCR[i] {
				t.Errorf("consistent_random(%q, %d) = %d, want %d", c.key, n, got, c.librdkafkaCR[i])
			}
			if got := cons.Partition([]byte(c.key), n); got != c.librdkafkaCR[i] {
				t.Errorf("consistent(%q, %d) = %d, want %d", c.key, n, got, c.librdkafkaCR[i])
			}
		}
	}
}

// Apache Kafka's UtilsTest.testMurmur2 (signed Java ints), the empty key,
// and librdkafka's rdmurmur2.c unit test (which checks the hash & 0x7fffffff).
func TestMurmur2MoreKeys(t *testing.T) {
	java := map[string]int32{
		"21":                         -973932308,
		"foobar":                     -790332482,
		"a-little-bit-long-string":   -985981536,
		"a-little-bit-longer-string": -1486304829,
		"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
		"abc": 479470107,
		"":    275646681, // 0x106e08d9: seed ^ 0, finished
	}
	for k, want := range java {
		if got := int32(Murmur2([]byte(k))); got != want {
			t.Errorf("Murmur2(%q) = %d, want %d", k, got, want)
		}
	}
	rdk := map[string]uint32{"kafka": 1348980580, "amqp": 767747138, "giberish123456789": 257239820}
	for k, want := range rdk {
		if got := Murmur2([]byte(k)) & 0x7fffffff; got != want {
			t.Errorf("Murmur2(%q)&0x7fffffff = %d, want %d", k, got, want)
		}
	}
	// Java: Utils.toPositive(murmur2("foobar")) % 50 = 1357151166 % 50.
	sim := clock.NewSim(1)
	p := NewMurmur2Random(sim, sim.Rand(), 0)
	if got := p.Partition([]byte("foobar"), 50); got != 16 {
		t.Errorf("murmur2_random(foobar, 50) = %d, want 16", got)
	}
	if got := p.Partition([]byte("foobar"), 10); got != 6 {
		t.Errorf("murmur2_random(foobar, 10) = %d, want 6", got)
	}
	// An empty (non-null) key is hashed by murmur2_random, not sticky:
	// 275646681 % 7 = 6.
	if got := p.Partition([]byte{}, 7); got != 275646681%7 {
		t.Errorf("murmur2_random(empty, 7) = %d, want %d", got, 275646681%7)
	}
}

func TestCRC32MoreKeys(t *testing.T) {
	cases := map[string]uint32{
		"":          0,
		"123456789": 0xcbf43926, // the CRC-32/IEEE check value
		"The quick brown fox jumps over the lazy dog": 0x414fa339,
	}
	for k, want := range cases {
		if got := CRC32([]byte(k)); got != want {
			t.Errorf("CRC32(%q) = %#x, want %#x", k, got, want)
		}
	}
	sim := clock.NewSim(1)
	cons := NewConsistent(sim, sim.Rand(), DefaultStickyLinger)
	// crc32 is taken unsigned: 0xcbf43926 = 3421780262; mod 7 = 3421780262 % 7.
	if got, want := cons.Partition([]byte("123456789"), 7), int32(3421780262%7); got != want {
		t.Errorf("consistent(123456789, 7) = %d, want %d", got, want)
	}
	// consistent: empty key hashes to CRC32("") = 0 → partition 0, always.
	for range 20 {
		if got := cons.Partition([]byte{}, 5); got != 0 {
			t.Fatalf("consistent(empty) = %d, want 0", got)
		}
	}
}

// librdkafka's rdfnv1a.c unit test values (absolute value of the signed
// FNV-1a, Sarama-compatible), and the standard FNV-1a vectors.
func TestFNV1a(t *testing.T) {
	std := map[string]uint32{"": 0x811c9dc5, "a": 0xe40c292c, "foobar": 0xbf9cf968}
	for k, want := range std {
		if got := FNV1a([]byte(k)); got != want {
			t.Errorf("FNV1a(%q) = %#x, want %#x", k, got, want)
		}
	}
	short, unaligned := "1234", "PreAmbleWillBeRemoved,ThePrePartThatIs"
	rd := []struct {
		key  string
		want uint32
	}{
		{"kafka", 0xd33c4e1}, {"giberish123456789", 0x77a58295},
		{short, 0x23bdd03}, {short[1:], 0x2dea3cd2}, {short[2:], 0x740fa83e}, {short[3:], 0x310ca263},
		{unaligned, 0x65cbd69c}, {unaligned[1:], 0x6e49c79a}, {unaligned[2:], 0x69eed356}, {unaligned[3:], 0x6abcc023},
		{"", 0x7ee3623b},
	}
	sim := clock.NewSim(1)
	p := NewFNV1a(sim, sim.Rand(), 0)
	for _, c := range rd {
		if got := rdFNV1a([]byte(c.key)); got != c.want {
			t.Errorf("rd_fnv1a(%q) = %#x, want %#x", c.key, got, c.want)
		}
		if got, want := p.Partition([]byte(c.key), 12), int32(c.want%12); got != want {
			t.Errorf("fnv1a(%q, 12) = %d, want %d", c.key, got, want)
		}
	}
}

// stickyRun produces n null-key records at the given spacing and returns
// the partitions chosen.
func stickyRun(p Partitioner, sim *clock.Sim, key []byte, n int, every time.Duration) []int32 {
	out := make([]int32, n)
	for i := range out {
		out[i] = p.Partition(key, 64)
		sim.RunFor(every)
	}
	return out
}

func TestStickyPartitionSwitchesAfterLinger(t *testing.T) {
	sim := clock.NewSim(7)
	for _, name := range []string{"consistent_random", "murmur2_random", "murmur2", "consistent", "fnv1a", "fnv1a_random"} {
		p, err := PartitionerByName(name, sim, sim.Rand(), 10*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		// One record per ms: the partition holds while now - draw <= 10ms,
		// so it is redrawn at 11ms, 22ms, ... (librdkafka's rd_interval:
		// strictly more than the linger).
		got := stickyRun(p, sim, nil, 45, time.Millisecond)
		for i := 1; i < len(got); i++ {
			if i%11 != 0 && got[i] != got[i-1] {
				t.Fatalf("%s: partition changed inside the linger at record %d: %v", name, i, got)
			}
		}
		// Over several redraws with 64 partitions at least one differs.
		if got[0] == got[11] && got[11] == got[22] && got[22] == got[33] && got[33] == got[44] {
			t.Fatalf("%s: sticky partition never switched: %v", name, got)
		}
	}
}

func TestStickyAppliesToEmptyKeyOnlyForConsistentRandom(t *testing.T) {
	sim := clock.NewSim(3)
	cr := NewConsistentRandom(sim, sim.Rand(), time.Hour)
	// Empty key: sticky, so many records in one linger share a partition,
	// and across partition counts it is random, not CRC32("")=0 always.
	first := cr.Partition([]byte{}, 1000)
	for range 10 {
		if got := cr.Partition([]byte{}, 1000); got != first {
			t.Fatalf("empty key left the sticky partition: %d then %d", first, got)
		}
	}
	if got := cr.Partition(nil, 1000); got != first {
		t.Fatalf("null and empty key disagree inside one linger: %d vs %d", got, first)
	}
}

func TestStickyLingerZeroRedrawsWhenTimeMoves(t *testing.T) {
	sim := clock.NewSim(9)
	p := NewConsistentRandom(sim, sim.Rand(), 0)
	// Same instant: stays. librdkafka's rd_interval needs time to pass.
	a := p.Partition(nil, 1000)
	if b := p.Partition(nil, 1000); a != b {
		t.Fatalf("redrawn at the same instant: %d, %d", a, b)
	}
	seen := map[int32]bool{}
	for _, x := range stickyRun(p, sim, nil, 20, time.Microsecond) {
		seen[x] = true
	}
	if len(seen) < 10 {
		t.Fatalf("linger 0 gave only %d distinct partitions in 20 moves", len(seen))
	}
}

func TestStickyRedrawsWhenPartitionDisappears(t *testing.T) {
	sim := clock.NewSim(11)
	p := NewMurmur2Random(sim, sim.Rand(), time.Hour)
	for range 50 {
		x := p.Partition(nil, 100)
		if y := p.Partition(nil, 3); y < 0 || y >= 3 {
			t.Fatalf("sticky partition %d (after %d) out of range for 3 partitions", y, x)
		}
	}
}

func TestRandomPartitionerIgnoresKeyAndIsUniformish(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	p := NewRandom(r)
	counts := make([]int, 4)
	for range 4000 {
		counts[p.Partition([]byte("same-key"), 4)]++
	}
	for i, c := range counts {
		if c < 800 || c > 1200 {
			t.Fatalf("partition %d got %d of 4000: %v", i, c, counts)
		}
	}
}

func TestPartitionersDeterministicPerSeed(t *testing.T) {
	run := func(seed uint64) []int32 {
		sim := clock.NewSim(seed)
		p := NewConsistentRandom(sim, sim.Rand(), DefaultStickyLinger)
		return stickyRun(p, sim, nil, 200, 3*time.Millisecond)
	}
	a, b, c := run(5), run(5), run(6)
	if !slicesEqual(a, b) {
		t.Fatal("same seed gave different partitions")
	}
	if slicesEqual(a, c) {
		t.Fatal("different seeds gave identical partitions over 200 records")
	}
}

func slicesEqual[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPartitionerByName(t *testing.T) {
	sim := clock.NewSim(1)
	for _, name := range PartitionerNames {
		p, err := PartitionerByName(name, sim, sim.Rand(), DefaultStickyLinger)
		if err != nil || p == nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := p.Partition([]byte("k"), 5); got < 0 || got >= 5 {
			t.Fatalf("%s: partition %d out of range", name, got)
		}
	}
	_, err := PartitionerByName("roundrobin", sim, sim.Rand(), 0)
	if err == nil {
		t.Fatal("unknown partitioner accepted")
	}
	for _, want := range append([]string{`"roundrobin"`}, PartitionerNames...) {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q does not mention %s", err, want)
		}
	}
}

// CRC32's short-key path agrees with the library.
func TestCRC32ShortKeys(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 40; n++ {
		for range 50 {
			key := make([]byte, n)
			for i := range key {
				key[i] = byte(r.Uint32())
			}
			if got, want := CRC32(key), crc32.ChecksumIEEE(key); got != want {
				t.Fatalf("CRC32(%x) = %08x, want %08x", key, got, want)
			}
		}
	}
	if CRC32(nil) != crc32.ChecksumIEEE(nil) {
		t.Fatal("nil key")
	}
}
