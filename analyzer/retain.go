package analyzer

import (
	"container/heap"
	"sort"
)

// retainer keeps the full results a run lists (see Options.Retain): all of them, or
// only the n most severe, in a heap whose top is the least severe kept, so a capture
// of a million flows holds n results, not a million.
type retainer struct {
	max   int // 0: all; < 0: none
	flows flowHeap
	all   [][]Flow // when max == 0, in chunks: a growing slice never copies them all again
}

func newRetainer(max int) *retainer { return &retainer{max: max} }

const retainChunk = 4096

func (k *retainer) add(f Flow) {
	switch {
	case k.max < 0:
	case k.max == 0:
		if len(k.all) == 0 || len(k.all[len(k.all)-1]) == retainChunk {
			k.all = append(k.all, make([]Flow, 0, retainChunk))
		}
		k.all[len(k.all)-1] = append(k.all[len(k.all)-1], f)
	case len(k.flows) < k.max:
		heap.Push(&k.flows, f)
	case moreSevere(&f, &k.flows[0]):
		k.flows[0] = f
		heap.Fix(&k.flows, 0)
	}
}

// byID is what was kept, in ID order.
func (k *retainer) byID() []Flow {
	var out []Flow
	if k.max == 0 {
		n := 0
		for _, c := range k.all {
			n += len(c)
		}
		out = make([]Flow, 0, n)
		for i, c := range k.all {
			out = append(out, c...)
			k.all[i] = nil
		}
	} else {
		out = append([]Flow{}, k.flows...)
		k.flows = nil
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// moreSevere orders flows for drawing: the most severe first, then the lowest ID.
func moreSevere(a, b *Flow) bool {
	if ra, rb := a.Severity.Rank(), b.Severity.Rank(); ra != rb {
		return ra > rb
	}
	return a.ID < b.ID
}

// flowHeap is a heap whose top is the flow least worth drawing.
type flowHeap []Flow

func (h flowHeap) Len() int           { return len(h) }
func (h flowHeap) Less(i, j int) bool { return moreSevere(&h[j], &h[i]) }
func (h flowHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *flowHeap) Push(x any)        { *h = append(*h, x.(Flow)) }
func (h *flowHeap) Pop() any {
	old := *h
	f := old[len(old)-1]
	*h = old[:len(old)-1]
	return f
}
