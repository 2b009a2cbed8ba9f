package broker

import "sync"

// spare is the log memory of a recycled broker (Broker.Recycle): record
// header pages and key/value chunks, which a later broker's logs take
// before they allocate. Neither holds pointers, so memory waiting here
// costs the garbage collector nothing.
type spare struct {
	pages      [][]recHdr
	chunks     [][]byte
	pageBytes  int
	chunkBytes int
	// outgrown are the pages this broker's logs grew out of. A Batch
	// read before the growth may still read one, so they wait for
	// Recycle.
	outgrown [][]recHdr
}

// spareMax bounds the bytes of pages, and of chunks, a spare keeps.
const spareMax = 4 << 20

// spares holds the spare memory of recycled brokers.
var spares sync.Pool

// page takes a spare page of capacity n, or returns nil.
func (s *spare) page(n int) []recHdr {
	for i, p := range s.pages {
		if cap(p) == n {
			last := len(s.pages) - 1
			s.pages[i] = s.pages[last]
			s.pages[last] = nil
			s.pages = s.pages[:last]
			s.pageBytes -= n * recHdrSize
			return p[:n]
		}
	}
	return nil
}

// chunk takes a spare chunk of capacity n, or returns nil.
func (s *spare) chunk(n int) []byte {
	for i, c := range s.chunks {
		if cap(c) == n {
			last := len(s.chunks) - 1
			s.chunks[i] = s.chunks[last]
			s.chunks[last] = nil
			s.chunks = s.chunks[:last]
			s.chunkBytes -= n
			return c[:n]
		}
	}
	return nil
}

// keep adds a log's pages and chunks, as far as spareMax allows.
func (s *spare) keep(l *plog) {
	for _, p := range l.pages {
		if n := cap(p) * recHdrSize; s.pageBytes+n <= spareMax {
			s.pages = append(s.pages, p[:0])
			s.pageBytes += n
		}
	}
	for _, c := range l.chunks {
		if n := cap(c); s.chunkBytes+n <= spareMax {
			s.chunks = append(s.chunks, c[:0])
			s.chunkBytes += n
		}
	}
}

// recHdrSize is the size of a recHdr in bytes.
const recHdrSize = 32

// Recycle gives the broker's log memory to brokers created later. Call
// it only when neither the broker nor anything read from it (records,
// their keys and values, Readers and Batches) will be used again: a
// scenario run does once it is over, when no message it delivered was
// handed to code that may keep it. The broker must not be used
// afterwards.
func (b *Broker) Recycle() {
	b.Stop()
	s := b.mem
	for _, p := range s.outgrown {
		if n := cap(p) * recHdrSize; s.pageBytes+n <= spareMax {
			s.pages = append(s.pages, p[:0])
			s.pageBytes += n
		}
	}
	clear(s.outgrown)
	s.outgrown = s.outgrown[:0]
	for _, t := range b.topics {
		for _, l := range t.parts {
			s.keep(l)
			l.logView = logView{}
		}
	}
	b.topics, b.last, b.mem = nil, nil, nil
	spares.Put(s)
}

// takeSpare gives a new broker the spare memory of a recycled one, or
// an empty spare.
func takeSpare() *spare {
	if s, ok := spares.Get().(*spare); ok {
		return s
	}
	return &spare{}
}

// outgrow notes that a log grew out of page p.
func (s *spare) outgrow(p []recHdr) {
	if len(s.outgrown) < 64 {
		s.outgrown = append(s.outgrown, p)
	}
}
