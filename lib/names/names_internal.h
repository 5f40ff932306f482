/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the parts of lib/names. */
#ifndef NAMES_INTERNAL_H
#define NAMES_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

size_t ws_quic_memory(void);

/* TCP ClientHello reassembly (hello.c). */
struct hello_pool;
struct hello_pool *hello_pool_create(uint32_t slots, uint32_t bytes, uint64_t timeout_ns);
void hello_pool_destroy(struct hello_pool *hp);
size_t hello_pool_memory(const struct hello_pool *hp);
struct ws_pkt;
struct ws_host;
struct ws_names_counters;
/* A TCP segment: the first of a long hello (rc -ENODATA from the parser) or a later one. */
int hello_segment(struct hello_pool *hp, const uint8_t *d, const struct ws_pkt *p, int rc,
		  uint64_t ts_ns, struct ws_host *h, struct ws_names_counters *cnt);

/* DNS answers (dnsmap.c). */
struct dnsmap;
struct dnsmap *dnsmap_create(uint32_t entries);
void dnsmap_destroy(struct dnsmap *m);
size_t dnsmap_memory(const struct dnsmap *m);
void dnsmap_learn(struct dnsmap *m, const uint8_t *msg, uint32_t n, struct ws_names_counters *cnt);
unsigned int dnsmap_find(const struct dnsmap *m, uint8_t version, const uint8_t *addr, char *out,
			 unsigned int size);

#endif /* NAMES_INTERNAL_H */
