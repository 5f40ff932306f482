/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the dissector: whole frames of every link type, then
 * the hostname extractors over whatever the frame decoded to.
 * The first input byte picks the link type, the rest is the frame.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ws_parse.h>
#include "fuzz_link.h"
#include "parse_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_pkt p, slow;
	struct ws_host h;
	uint8_t *frame;
	size_t n;
	int link;

	if (size < 1 || size > 65536)
		return 0;
	link = fuzz_linktypes[data[0] % FUZZ_N_LINKTYPES];
	/* An exact-size copy, so ASan flags any read past the frame. */
	n = size - 1;
	frame = malloc(n ? n : 1);
	if (!frame)
		return 0;
	memcpy(frame, data + 1, n);
	ws_parse_link(link, frame, n, &p);
	if (p.rc >= WS_PARSE_RC_MAX || p.inner.end > n || p.outer.end > n)
		abort();
	if (link == WS_LINKTYPE_ETHERNET) {
		/* The fast path must decode exactly as the general one. */
		ws_parse_pkt_general(frame, n, &slow);
		if (memcmp(&p, &slow, sizeof(p)) != 0)
			abort();
	}
	if (ws_parse_host(frame, n, &p, &h) == 0 && (h.len == 0 || strlen(h.name) != h.len))
		abort();
	free(frame);
	return 0;
}
