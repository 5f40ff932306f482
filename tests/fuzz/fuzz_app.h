/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The first byte of a fuzz_app input picks how the payload arrived: transport
 * and ports, which decide the parser (ws_parse_host() classifies the rest by
 * content). The rest is the L4 payload.
 */
#ifndef WS_FUZZ_APP_H
#define WS_FUZZ_APP_H

#include <netinet/in.h>
#include <stdint.h>

static const struct {
	uint8_t proto;
	uint16_t port;
} fuzz_app_kinds[] = {
	{IPPROTO_UDP, 53},   /* DNS */
	{IPPROTO_TCP, 53},   /* DNS over TCP, length-prefixed */
	{IPPROTO_UDP, 5353}, /* mDNS */
	{IPPROTO_UDP, 5355}, /* LLMNR */
	{IPPROTO_UDP, 1900}, /* SSDP: HTTP over UDP */
	{IPPROTO_TCP, 443},  /* TLS ClientHello, by content */
	{IPPROTO_TCP, 80},   /* HTTP/1.x request, by content */
};

#define FUZZ_N_APP_KINDS (sizeof(fuzz_app_kinds) / sizeof(fuzz_app_kinds[0]))

#endif /* WS_FUZZ_APP_H */
