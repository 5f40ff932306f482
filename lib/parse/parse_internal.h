/* SPDX-License-Identifier: BSD-3-Clause */
/* For tests and fuzzers only: the general path that ws_parse_pkt() falls back to. */
#ifndef WS_PARSE_INTERNAL_H
#define WS_PARSE_INTERNAL_H

#include <stdint.h>

struct ws_pkt;

/* ws_parse_pkt() without its fast path; the results must be identical. */
int ws_parse_pkt_general(const uint8_t *data, uint32_t len, struct ws_pkt *pkt);

#endif /* WS_PARSE_INTERNAL_H */
