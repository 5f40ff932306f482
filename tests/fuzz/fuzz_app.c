/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the application-layer name parsers (DNS, TLS SNI, HTTP
 * Host) on their own: the payload is handed to ws_parse_host() as if the
 * dissector had found it behind a TCP or UDP header, so every execution
 * reaches a parser. fuzz_app.h says what the first byte means.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ws_parse.h>

#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A name is printable, lower case, with no backslash but in \ooo escapes. */
static int
name_ok(const struct ws_host *h)
{
	uint32_t i;

	if (h->len == 0 || h->len > WS_HOST_MAX || strlen(h->name) != h->len)
		return 0;
	for (i = 0; i < h->len; i++)
		if (!isgraph((unsigned char)h->name[i]) || isupper((unsigned char)h->name[i]))
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_pkt p = {0};
	struct ws_host h;
	uint8_t *payload;
	size_t n;
	int k, rc;

	if (size < 2 || size > 65535)
		return 0;
	k = data[0] % FUZZ_N_APP_KINDS;
	n = size - 1;
	/* An exact-size copy, so ASan flags any read past the payload. */
	payload = malloc(n);
	if (!payload)
		return 0;
	memcpy(payload, data + 1, n);
	p.inner = (struct ws_ip){.version = 4,
				 .proto = fuzz_app_kinds[k].proto,
				 .has_l4 = 1,
				 .end = (uint16_t)n,
				 .payload_off = 0,
				 .sport = 40000,
				 .dport = fuzz_app_kinds[k].port};
	p.outer = p.inner;
	rc = ws_parse_host(payload, (uint32_t)n, &p, &h);
	if (rc == 0 && !name_ok(&h))
		abort();
	if (rc < 0 && (h.len != 0 || h.source != WS_HOST_NONE || h.name[0] != '\0'))
		abort();
	if (rc == 0 &&
	    (fuzz_app_kinds[k].port == 53 || fuzz_app_kinds[k].port == 5353 ||
	     fuzz_app_kinds[k].port == 5355) &&
	    h.source != WS_HOST_DNS)
		abort();
	free(payload);
	return 0;
}
