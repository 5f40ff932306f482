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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int linktypes[] = {
	WS_LINKTYPE_ETHERNET, WS_LINKTYPE_LINUX_SLL, WS_LINKTYPE_LINUX_SLL2, WS_LINKTYPE_RAW,
	WS_LINKTYPE_NULL,     WS_LINKTYPE_LOOP,	     WS_LINKTYPE_IPV4,	     WS_LINKTYPE_IPV6,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_host h;
	struct ws_pkt p;
	uint8_t *frame;
	size_t n;
	int link;

	if (size < 1 || size > 65536)
		return 0;
	link = linktypes[data[0] % (sizeof(linktypes) / sizeof(linktypes[0]))];
	/* An exact-size copy, so ASan flags any read past the frame. */
	n = size - 1;
	frame = malloc(n ? n : 1);
	if (!frame)
		return 0;
	memcpy(frame, data + 1, n);
	ws_parse_link(link, frame, n, &p);
	if (p.rc >= WS_PARSE_RC_MAX || p.inner.end > n || p.outer.end > n)
		abort();
	if (ws_parse_host(frame, n, &p, &h) == 0 && (h.len == 0 || strlen(h.name) != h.len))
		abort();
	free(frame);
	return 0;
}
