package main

import (
	"bytes"
	"fmt"
	"testing"
)

// TestChunksKeepTheOutputWhole: what a command writes comes out whole and
// in order, across the pieces, past the end of the output area (the rest
// from the heap), and nothing is kept once printed.
func TestChunksKeepTheOutputWhole(t *testing.T) {
	defer func(n int) { outputAreaSize = n }(outputAreaSize)
	outputAreaSize = 3 * chunkSize // small, so that the output runs past it
	var c chunks
	var want bytes.Buffer
	for i := 0; want.Len() < 5*chunkSize+123; i++ {
		line := fmt.Sprintf("{\"id\":\"DSR-2026-%06d\",\"text\":%q}\n", i, bytes.Repeat([]byte{'a' + byte(i%26)}, i%700))
		c.WriteString(line)
		want.WriteString(line)
		if i%97 == 0 {
			c.WriteByte(',')
			want.WriteByte(',')
		}
	}
	var got bytes.Buffer
	c.printTo(&got)
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Fatalf("printed %d bytes, %d written, or not the same", got.Len(), want.Len())
	}
	if c.bufs != nil {
		t.Error("the pieces are kept after printing")
	}
}
