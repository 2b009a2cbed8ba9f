package broker

import (
	"slices"
	"sort"
	"time"
)

const (
	// chunkSize is the size of a key/value arena chunk.
	chunkSize = 1 << 20
	// pageShift sets the number of record headers per page (4096, 128 KiB).
	pageShift = 12
	pageLen   = 1 << pageShift
	pageMask  = pageLen - 1
)

// recHdr is the fixed-size per-record header: 32 bytes. The record's offset
// is implied by its position; key and value sit next to each other in chunk
// chunk at off (key first).
type recHdr struct {
	ts    int64  // timestamp, Unix nanoseconds
	chunk uint32 // chunk id (absolute; chunks[chunk-chunkBase])
	off   uint32 // byte offset of the key within the chunk
	klen  int32  // key length; -1 for a null key
	vlen  int32  // value length; -1 for a null value
	flags uint32 // flagHeaders
}

const flagHeaders = 1

// hdrEntry holds the headers of one record (headers are rare: side table).
type hdrEntry struct {
	offset  int64
	headers []Header
}

// logView is what reading records needs: the record headers, the key/value
// chunks and the header side table. A Batch keeps a copy of its log's view
// and reads through it, so records fetched before a truncation stay
// readable: appending only fills memory past what a view covers, and
// truncation builds new slices instead of clearing the ones a view may
// share.
//
// Pages and chunks are kept at their full length: how much of the last
// ones is used is in plog's pageFill and chunkFill, so appending writes
// no slice headers (no pointer writes, no GC write barriers) except when a
// page or chunk is started.
type logView struct {
	// pages hold record headers; pages[0][0] is at offset pageBase. All pages
	// have pageLen entries except the log's first while it grows.
	pages    [][]recHdr
	pageBase int64
	// chunks hold key/value bytes; chunks[0] has id chunkBase. The last
	// chunk is the one being filled.
	chunks    [][]byte
	chunkBase uint32
	// hdrs are the headers of records with flagHeaders, in offset order.
	hdrs []hdrEntry
}

// plog is one partition's log.
type plog struct {
	logView
	// pageFill and chunkFill are how much of the last page (records) and
	// of the last chunk (bytes) is used.
	pageFill, chunkFill int
	// logStart is the first live offset (>= pageBase), hw the next offset.
	logStart, hw int64
	// bytes is the total key+value+header size of live records.
	bytes int64
	// tsMonotonic: timestamps never decrease, so binary search works.
	tsMonotonic bool
	lastTS      int64
	// mem is its broker's spare memory (see Broker.Recycle).
	mem *spare
}

func newPlog(mem *spare) *plog { return &plog{tsMonotonic: true, mem: mem} }

// rec returns the header of offset o (pageBase <= o < hw).
func (l *logView) rec(o int64) *recHdr {
	i := o - l.pageBase
	return &l.pages[i>>pageShift][i&pageMask]
}

func recSize(klen, vlen int) int64 {
	return int64(max(klen, 0) + max(vlen, 0))
}

func headersSize(hs []Header) int64 {
	var n int64
	for _, h := range hs {
		n += int64(len(h.Key) + len(h.Value))
	}
	return n
}

// Chunk and page sizes start small so that many small partitions stay
// cheap, and double up to chunkSize and pageLen.
const (
	firstChunkSize = 4 << 10
	firstPageLen   = 64
)

// newChunk starts a chunk with room for at least n bytes and returns it
// (empty, to append to) and its id.
func (l *plog) newChunk(n int) ([]byte, uint32) {
	size := firstChunkSize
	if k := len(l.chunks); k > 0 {
		size = min(chunkSize, 2*cap(l.chunks[k-1]))
	}
	size = max(size, n)
	c := l.mem.chunk(size)
	if c == nil {
		c = make([]byte, size)
	}
	l.chunks = append(l.chunks, c)
	return c[:0], l.chunkBase + uint32(len(l.chunks)-1)
}

// appendRecords copies recs into the log; zero timestamps become now. The
// current chunk and page are kept in locals (appending within their
// capacity) and only their fill levels are written back, so the per-record
// cost is two copies and one header.
func (l *plog) appendRecords(recs []Record, now time.Time) int64 {
	base := l.hw
	if len(recs) == 0 {
		return base
	}
	nowNs := now.UnixNano()
	var cur []byte
	var curID uint32
	if k := len(l.chunks); k > 0 {
		cur, curID = l.chunks[k-1][:l.chunkFill], l.chunkBase+uint32(k-1)
	}
	var page []recHdr
	if k := len(l.pages); k > 0 {
		page = l.pages[k-1][:l.pageFill]
	}
	for i := range recs {
		r := &recs[i]
		klen, vlen := len(r.Key), len(r.Value)
		n := klen + vlen
		if cur == nil || cap(cur)-len(cur) < n {
			cur, curID = l.newChunk(n)
		}
		h := recHdr{chunk: curID, off: uint32(len(cur)), klen: int32(klen), vlen: int32(vlen)}
		cur = append(cur, r.Key...)
		cur = append(cur, r.Value...)
		if r.Key == nil {
			h.klen = -1
		}
		if r.Value == nil {
			h.vlen = -1
		}
		if r.Timestamp.IsZero() {
			h.ts = nowNs
		} else {
			h.ts = r.Timestamp.UnixNano()
		}
		if h.ts < l.lastTS {
			l.tsMonotonic = false
		}
		l.lastTS = h.ts
		sz := int64(n)
		if len(r.Headers) > 0 {
			h.flags |= flagHeaders
			hs := make([]Header, len(r.Headers))
			for j, hh := range r.Headers {
				hs[j] = Header{Key: hh.Key, Value: cloneBytes(hh.Value)}
			}
			l.hdrs = append(l.hdrs, hdrEntry{offset: l.hw, headers: hs})
			sz += headersSize(hs)
		}
		l.bytes += sz
		if len(page) == cap(page) {
			page = l.growPage(page)
		}
		page = append(page, h)
		l.hw++
	}
	l.chunkFill, l.pageFill = len(cur), len(page)
	return base
}

// appendOne is appendRecords of one record without headers, its
// timestamp ts in Unix nanoseconds (already resolved from a zero one): the
// same log, with no Record to read and no loop to set up (Appender.Append,
// once per produced message).
func (l *plog) appendOne(key, value []byte, ts int64) int64 {
	klen, vlen := len(key), len(value)
	n := klen + vlen
	// As appendRecords: a new chunk when there is none or the last one
	// has no room (chunks are kept at their full length).
	k := len(l.chunks)
	if k == 0 || cap(l.chunks[k-1])-l.chunkFill < n {
		l.newChunk(n)
		k, l.chunkFill = len(l.chunks), 0
	}
	c := l.chunks[k-1]
	off := l.chunkFill
	h := recHdr{ts: ts, chunk: l.chunkBase + uint32(k-1), off: uint32(off), klen: int32(klen), vlen: int32(vlen)}
	copy(c[off:off+klen], key)
	copy(c[off+klen:off+n], value)
	l.chunkFill = off + n
	if key == nil {
		h.klen = -1
	}
	if value == nil {
		h.vlen = -1
	}
	if ts < l.lastTS {
		l.tsMonotonic = false
	}
	l.lastTS = ts
	l.bytes += int64(n)
	// The page: as appendRecords, grown or started when full.
	if k := len(l.pages); k == 0 || l.pageFill == cap(l.pages[k-1]) {
		var page []recHdr
		if k > 0 {
			page = l.pages[k-1][:l.pageFill]
		}
		l.pageFill = len(l.growPage(page))
	}
	l.pages[len(l.pages)-1][l.pageFill] = h
	l.pageFill++
	base := l.hw
	l.hw++
	return base
}

// rewriteLast gives the last record another value: its value bytes with
// "!" appended, written as a new record's would be (testhook: a planted
// bug).
func (l *plog) rewriteLast() {
	h := l.rec(l.hw - 1)
	v := []byte("!")
	if h.vlen > 0 {
		c := l.chunks[h.chunk-l.chunkBase]
		start := int(h.off) + max(int(h.klen), 0)
		v = append(slices.Clone(c[start:start+int(h.vlen)]), '!')
	}
	var key []byte
	if h.klen >= 0 {
		c := l.chunks[h.chunk-l.chunkBase]
		key = slices.Clone(c[h.off : h.off+uint32(h.klen)])
	}
	ts := time.Unix(0, h.ts)
	l.bytes -= recSize(int(h.klen), int(h.vlen))
	l.hw--
	l.pageFill--
	l.appendRecords([]Record{{Key: key, Value: v, Timestamp: ts}}, ts)
}

// growPage is called when the last page (page, the used part of it,
// possibly nil) is at capacity: a page below pageLen (only ever the log's
// first) is grown by copying, after a full one a new full-size page is
// started. It returns the used part of the page to append to.
func (l *plog) growPage(page []recHdr) []recHdr {
	if page != nil && cap(page) < pageLen {
		grown := l.newPage(min(pageLen, 2*cap(page)))
		copy(grown, page)
		l.mem.outgrow(page[:cap(page)])
		l.pages[len(l.pages)-1] = grown
		return grown[:len(page)]
	}
	size := pageLen
	if len(l.pages) == 0 && l.hw == 0 {
		size = firstPageLen
	}
	page = l.newPage(size)
	l.pages = append(l.pages, page)
	return page[:0]
}

// newPage is a page of n record headers: a spare one (its old content is
// never read: pages are read up to what was appended), or a new one.
func (l *plog) newPage(n int) []recHdr {
	if p := l.mem.page(n); p != nil {
		return p
	}
	return make([]recHdr, n)
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}

// headersOf returns the headers of offset o.
func (l *logView) headersOf(o int64) []Header {
	i := sort.Search(len(l.hdrs), func(i int) bool { return l.hdrs[i].offset >= o })
	if i < len(l.hdrs) && l.hdrs[i].offset == o {
		return l.hdrs[i].headers
	}
	return nil
}

// size is the byte size of offset o as counted by retention.bytes.
func (l *logView) size(o int64, h *recHdr) int64 {
	s := recSize(int(h.klen), int(h.vlen))
	if h.flags&flagHeaders != 0 {
		s += headersSize(l.headersOf(o))
	}
	return s
}

// record materialises offset o into r, aliasing chunk memory (a nil
// key or value for a null one). Written field by field into r, the key
// and value straight from the chunk (once per record a consumer reads).
func (l *logView) record(o int64, h *recHdr, r *Record) {
	c := l.chunks[h.chunk-l.chunkBase]
	p := int(h.off)
	r.Offset = o
	if h.klen >= 0 {
		e := p + int(h.klen)
		r.Key = c[p:e:e]
		p = e
	} else {
		r.Key = nil
	}
	if h.vlen >= 0 {
		e := p + int(h.vlen)
		r.Value = c[p:e:e]
	} else {
		r.Value = nil
	}
	r.Headers = nil
	if h.flags&flagHeaders != 0 {
		r.Headers = l.headersOf(o)
	}
	r.Timestamp = time.Unix(0, h.ts).UTC()
}

// fetchEnd is where a fetch from offset stops: after maxRecords records
// (<= 0: no limit) and maxBytes bytes (<= 0: no limit; the first record is
// returned even if larger, as in KIP-74), at most at hw.
func (l *plog) fetchEnd(offset int64, maxRecords, maxBytes int) int64 {
	end := l.hw
	if maxRecords > 0 && offset+int64(maxRecords) < end {
		end = offset + int64(maxRecords)
	}
	// The byte limit can only stop the fetch early when the live records
	// (offset is one of them) hold more than maxBytes all together: l.bytes
	// is their total size.
	if maxBytes > 0 && l.bytes > int64(maxBytes) {
		var bytes int64
		for o := offset; o < end; o++ {
			bytes += l.size(o, l.rec(o))
			if bytes > int64(maxBytes) && o > offset {
				return o
			}
		}
	}
	return end
}

// fetch appends records from offset to dst, up to fetchEnd.
func (l *plog) fetch(dst []Record, offset int64, maxRecords, maxBytes int) []Record {
	// The end is found first, so dst grows once, to the right size.
	end := l.fetchEnd(offset, maxRecords, maxBytes)
	if n := int(end - offset); n > 0 {
		dst = slices.Grow(dst, n)
	}
	for o := offset; o < end; o++ {
		dst = append(dst, Record{})
		l.record(o, l.rec(o), &dst[len(dst)-1])
	}
	return dst
}

// offsetForTime returns the first offset with timestamp >= ns, or hw.
func (l *plog) offsetForTime(ns int64) int64 {
	if l.tsMonotonic {
		n := int(l.hw - l.logStart)
		i := sort.Search(n, func(i int) bool { return l.rec(l.logStart+int64(i)).ts >= ns })
		return l.logStart + int64(i)
	}
	for o := l.logStart; o < l.hw; o++ {
		if l.rec(o).ts >= ns {
			return o
		}
	}
	return l.hw
}

// truncateHead moves the log start to to (logStart <= to <= hw) and frees
// the memory no live record uses.
func (l *plog) truncateHead(to int64) {
	for o := l.logStart; o < to; o++ {
		l.bytes -= l.size(o, l.rec(o))
	}
	l.logStart = to
	// Drop header entries below the log start.
	i := sort.Search(len(l.hdrs), func(i int) bool { return l.hdrs[i].offset >= to })
	if i > 0 {
		l.hdrs = append(l.hdrs[:0:0], l.hdrs[i:]...)
	}
	// Drop whole pages below the log start (keep the last page).
	drop := int((to - l.pageBase) >> pageShift)
	if drop >= len(l.pages) {
		drop = len(l.pages) - 1
	}
	if drop > 0 {
		// A new slice, not l.pages[drop:] with the head cleared: a Batch's
		// view may share the old one (see logView).
		l.pages = slices.Clone(l.pages[drop:])
		l.pageBase += int64(drop) << pageShift
	}
	// Drop chunks no live record points into (keep the chunk being filled).
	keep := uint32(len(l.chunks)-1) + l.chunkBase
	if to < l.hw {
		keep = l.rec(to).chunk
	}
	if d := int(keep - l.chunkBase); d > 0 {
		l.chunks = slices.Clone(l.chunks[d:]) // as for pages
		l.chunkBase = keep
	}
}

// truncateHeadByTime deletes head records with timestamp < ns, stopping at
// the first newer one.
func (l *plog) truncateHeadByTime(ns int64) {
	o := l.logStart
	for o < l.hw && l.rec(o).ts < ns {
		o++
	}
	if o > l.logStart {
		l.truncateHead(o)
	}
}

// truncateHeadBySize deletes head records while more than limit bytes remain.
func (l *plog) truncateHeadBySize(limit int64) {
	if l.bytes <= limit {
		return
	}
	o, b := l.logStart, l.bytes
	for o < l.hw && b > limit {
		b -= l.size(o, l.rec(o))
		o++
	}
	l.truncateHead(o)
}
