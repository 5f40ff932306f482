/* SPDX-License-Identifier: BSD-3-Clause */
/* The first byte of a fuzz input picks the link type: an index into this table. */
#ifndef WS_FUZZ_LINK_H
#define WS_FUZZ_LINK_H

#include <ws_parse.h>

static const int fuzz_linktypes[] = {
	WS_LINKTYPE_ETHERNET, WS_LINKTYPE_LINUX_SLL, WS_LINKTYPE_LINUX_SLL2, WS_LINKTYPE_RAW,
	WS_LINKTYPE_NULL,     WS_LINKTYPE_LOOP,	     WS_LINKTYPE_IPV4,	     WS_LINKTYPE_IPV6,
};

#define FUZZ_N_LINKTYPES (sizeof(fuzz_linktypes) / sizeof(fuzz_linktypes[0]))

#endif /* WS_FUZZ_LINK_H */
