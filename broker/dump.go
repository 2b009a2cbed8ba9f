package broker

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"
)

// Dump is a deterministic, human-readable dump of the whole broker state:
// availability, topics and their configuration, every partition's log start,
// high watermark, size and a content hash (offsets, timestamps, keys, values,
// headers), and every group's Empty/active mark and committed offsets. The
// same operations with the same seed give the same Dump.
func (b *Broker) Dump() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "broker available=%t now=%s\n", b.up, fmtTime(b.clk.Now()))
	for _, name := range sortedKeys(b.topics) {
		t := b.topics[name]
		fmt.Fprintf(&sb, "topic %s partitions=%d retention.time=%s retention.bytes=%d\n",
			name, len(t.parts), t.cfg.RetentionTime, t.cfg.RetentionBytes)
		for i, l := range t.parts {
			fmt.Fprintf(&sb, "  %s[%d] log_start=%d hw=%d bytes=%d hash=%016x\n",
				name, i, l.logStart, l.hw, l.bytes, l.contentHash())
		}
	}
	for _, g := range sortedKeys(b.groups) {
		st := b.groups[g]
		fmt.Fprintf(&sb, "group %s mode=%s", g, st.mode)
		if st.mode == modeEmpty {
			fmt.Fprintf(&sb, " empty_since=%s", fmtTime(st.emptySince))
		}
		sb.WriteByte('\n')
		for _, o := range b.GroupOffsets(g) {
			fmt.Fprintf(&sb, "  %s offset=%d metadata=%q committed=%s\n",
				o.TopicPartition, o.Offset, o.Metadata, fmtTime(o.CommitTime))
		}
	}
	return sb.String()
}

func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// contentHash is an FNV-64a hash over every live record.
func (l *plog) contentHash() uint64 {
	h := fnv.New64a()
	var buf [8]byte
	put := func(v int64) {
		for i := range buf {
			buf[i] = byte(v >> (8 * i))
		}
		h.Write(buf[:])
	}
	for o := l.logStart; o < l.hw; o++ {
		rh := l.rec(o)
		r := l.record(o, rh)
		put(o)
		put(rh.ts)
		put(int64(rh.klen))
		h.Write(r.Key)
		put(int64(rh.vlen))
		h.Write(r.Value)
		put(int64(len(r.Headers)))
		for _, hd := range r.Headers {
			put(int64(len(hd.Key)))
			h.Write([]byte(hd.Key))
			put(int64(len(hd.Value)))
			h.Write(hd.Value)
		}
	}
	return h.Sum64()
}
