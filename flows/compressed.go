package flows

import (
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// Compressed captures. Wireshark opens gzip, zstd and lz4 files as they are (libwiretap
// links zlib, libzstd and liblz4), and tcpdump's man page suggests `-z gzip` or
// `-z bzip2` to compress each file of a rotated capture: those four are read, told by
// their magic bytes, never by the name. xz, which neither reads, gets an error that
// says how to feed it in.

// compressionOf names the compression whose magic starts head ("" for none known).
func compressionOf(head []byte) string {
	switch {
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		return "gzip"
	case len(head) >= 4 && string(head[:3]) == "BZh" && head[3] >= '1' && head[3] <= '9':
		return "bzip2"
	case len(head) >= 4 && binary.LittleEndian.Uint32(head) == 0xfd2fb528:
		return "zstd"
	case len(head) >= 4 && binary.LittleEndian.Uint32(head) == 0x184d2204: // the frame format
		return "lz4"
	case len(head) >= 6 && bytes.Equal(head[:6], []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return "xz"
	}
	return ""
}

// zstdMaxWindow bounds the memory a zstd stream may ask for: zstd -19 uses 8 MiB, and
// zstd --long 128 MiB, its largest without --long=N past 27.
const zstdMaxWindow = 128 << 20

// decompress returns the decompressed stream of r, compressed with kind, and what
// releases the decoder (nil when nothing needs to). Errors name the file (dn).
func decompress(dn, kind string, r io.Reader) (io.Reader, func(), error) {
	switch kind {
	case "gzip":
		gz, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: broken gzip header: %v", dn, err)
		}
		return gz, nil, nil
	case "bzip2":
		return bzip2.NewReader(r), nil, nil
	case "zstd":
		// One goroutine, decoding as it is read: the capture is read in order anyway.
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(zstdMaxWindow))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: broken zstd stream: %v", dn, err)
		}
		return zr, zr.Close, nil
	case "lz4":
		return lz4.NewReader(r), nil, nil
	case "xz":
		file := dn
		if dn == "stdin" {
			file = "FILE"
		}
		return nil, nil, fmt.Errorf("%s: xz-compressed, which neither tcpmortem nor Wireshark reads as it is: decompress it on the way in (xz -dc %s | tcpmortem analyze -), or recompress it with gzip, zstd or lz4", dn, file)
	}
	return nil, nil, fmt.Errorf("%s: unknown compression %q", dn, kind)
}
