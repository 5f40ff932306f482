/* SPDX-License-Identifier: BSD-3-Clause */
/* Keys of the heavy-hitter summaries, and their text forms. */
#ifndef WS_STATS_KEYS_H
#define WS_STATS_KEYS_H

#include <stdint.h>
#include <string.h>

#include <ws_parse.h>

/* Address: the IP version (4 or 6), then 4 or 16 bytes. */
#define WS_KEY_IP_LEN 17
/* Pair: the IP version, then the two addresses, lower first (memcmp). */
#define WS_KEY_PAIR_LEN 33

static inline uint16_t
ws_key_pair(uint8_t *key, const uint8_t *data, const struct ws_ip *ip)
{
	uint16_t alen = ip->version == 4 ? 4 : 16;
	const uint8_t *src = data + ip->l3_off + (ip->version == 4 ? 12 : 8), *dst = src + alen;
	int lo_first = memcmp(src, dst, alen) <= 0;

	key[0] = ip->version;
	memcpy(key + 1, lo_first ? src : dst, alen);
	memcpy(key + 1 + alen, lo_first ? dst : src, alen);
	return 1 + 2 * alen;
}

/* Port: the IP protocol, then the port in network order. */
#define WS_KEY_PORT_LEN 3
/* Hostname: the enum ws_host_source, then the name without NUL. */
#define WS_KEY_HOST_LEN (1 + WS_HOST_MAX)

static inline uint16_t
ws_key_ip(uint8_t *key, const uint8_t *data, const struct ws_ip *ip, int dst)
{
	uint16_t alen = ip->version == 4 ? 4 : 16;

	key[0] = ip->version;
	memcpy(key + 1, data + ip->l3_off + (ip->version == 4 ? 12 : 8) + dst * alen, alen);
	return 1 + alen;
}

static inline uint16_t
ws_key_port(uint8_t *key, uint8_t proto, uint16_t port)
{
	key[0] = proto;
	key[1] = port >> 8;
	key[2] = port & 0xff;
	return WS_KEY_PORT_LEN;
}

static inline uint16_t
ws_key_host(uint8_t *key, const struct ws_host *h)
{
	key[0] = h->source;
	memcpy(key + 1, h->name, h->len);
	return 1 + h->len;
}

#endif /* WS_STATS_KEYS_H */
