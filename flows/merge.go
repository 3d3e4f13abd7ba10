package flows

import "io"

// Merge reads several capture files of one incident as one stream ordered by
// timestamp, as mergecap does: the earliest head of all files comes next; equal
// timestamps go by file index, then frame number. Each file's own order is kept even
// where its timestamps go backwards. Every packet keeps its file index and frame.
//
// A Packet returned by Next stays valid until the next call to Next (its file is read
// further only then). Merge of one file returns that file.
func Merge(srcs []*FileSource) PacketSource {
	if len(srcs) == 1 {
		return srcs[0]
	}
	return &merger{srcs: srcs}
}

type merger struct {
	srcs    []*FileSource
	h       []mergeHead // min-heap
	started bool
	last    *FileSource // the file whose packet was returned last: advanced on the next call
}

type mergeHead struct {
	src *FileSource
	p   *Packet
}

func (a mergeHead) less(b mergeHead) bool {
	if !a.p.Time.Equal(b.p.Time) {
		return a.p.Time.Before(b.p.Time)
	}
	if a.p.File != b.p.File {
		return a.p.File < b.p.File
	}
	return a.p.Frame < b.p.Frame
}

func (m *merger) Next() (*Packet, error) {
	if !m.started {
		m.started = true
		m.h = make([]mergeHead, 0, len(m.srcs))
		for _, s := range m.srcs {
			if err := m.advance(s); err != nil {
				return nil, err
			}
		}
	} else if m.last != nil {
		s := m.last
		m.last = nil
		if err := m.advance(s); err != nil {
			return nil, err
		}
	}
	if len(m.h) == 0 {
		return nil, io.EOF
	}
	top := m.h[0]
	n := len(m.h) - 1
	m.h[0] = m.h[n]
	m.h = m.h[:n]
	m.down(0)
	m.last = top.src
	return top.p, nil
}

// advance reads the next packet of s into the heap.
func (m *merger) advance(s *FileSource) error {
	p, err := s.Next()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return err
	}
	m.h = append(m.h, mergeHead{s, p})
	m.up(len(m.h) - 1)
	return nil
}

func (m *merger) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !m.h[i].less(m.h[parent]) {
			return
		}
		m.h[i], m.h[parent] = m.h[parent], m.h[i]
		i = parent
	}
}

func (m *merger) down(i int) {
	n := len(m.h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		c := l
		if r := l + 1; r < n && m.h[r].less(m.h[l]) {
			c = r
		}
		if !m.h[c].less(m.h[i]) {
			return
		}
		m.h[i], m.h[c] = m.h[c], m.h[i]
		i = c
	}
}
