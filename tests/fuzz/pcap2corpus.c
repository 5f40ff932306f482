/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Seed corpora from captures, one file per packet:
 *   pcap2corpus OUTDIR CAPTURE...        fuzz_parse: link type byte, then the frame
 *   pcap2corpus -a OUTDIR CAPTURE...     fuzz_app: kind byte (fuzz_app.h), then the
 *                                        TCP/UDP payload of packets a name parser reads
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include <ws_parse.h>

#include "fuzz_app.h"
#include "fuzz_link.h"

static int
link_index(int link)
{
	for (unsigned int i = 0; i < FUZZ_N_LINKTYPES; i++)
		if (fuzz_linktypes[i] == link)
			return i;
	return -1;
}

/* The fuzz_app kind a packet's payload goes to, or -1 if no name parser reads it. */
static int
app_kind(const struct ws_ip *ip, const uint8_t *pl)
{
	unsigned int i;

	for (i = 0; i < FUZZ_N_APP_KINDS; i++)
		if (ip->proto == fuzz_app_kinds[i].proto && fuzz_app_kinds[i].port != 443 &&
		    fuzz_app_kinds[i].port != 80 &&
		    (ip->sport == fuzz_app_kinds[i].port || ip->dport == fuzz_app_kinds[i].port))
			return i;
	if (ip->proto != IPPROTO_TCP)
		return -1;
	for (i = 0; i < FUZZ_N_APP_KINDS; i++)
		if ((fuzz_app_kinds[i].port == 443 && pl[0] == 0x16) ||
		    (fuzz_app_kinds[i].port == 80 && pl[0] >= 'C' && pl[0] <= 'T'))
			return i;
	return -1;
}

/* Write one seed: its first byte, then the bytes. */
static int
seed_write(const char *dir, int i, unsigned long n, int first, const uint8_t *d, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seed-%d-%06lu", dir, i, n);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return -1;
	}
	fputc(first, f);
	fwrite(d, 1, len, f);
	fclose(f);
	return 0;
}

int
main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	unsigned long n = 0;
	struct pcap_pkthdr *ph;
	const u_char *data;
	int i, li, k, app = argc > 1 && !strcmp(argv[1], "-a");
	const struct ws_ip *ip;
	struct ws_pkt p;
	pcap_t *pc;

	if (argc < 3 + app) {
		fprintf(stderr, "usage: pcap2corpus [-a] OUTDIR CAPTURE...\n");
		return 2;
	}
	for (i = 2 + app; i < argc; i++) {
		pc = pcap_open_offline(argv[i], err);
		if (!pc) {
			fprintf(stderr, "pcap2corpus: %s\n", err);
			return 1;
		}
		li = link_index(pcap_datalink(pc));
		while (li >= 0 && pcap_next_ex(pc, &ph, &data) == 1) {
			if (!app) {
				if (seed_write(argv[1], i, n++, li, data, ph->caplen) < 0)
					return 1;
				continue;
			}
			ws_parse_link(pcap_datalink(pc), data, ph->caplen, &p);
			ip = &p.inner;
			if (!ip->has_l4 || ip->end > ph->caplen || ip->payload_off >= ip->end)
				continue;
			k = app_kind(ip, data + ip->payload_off);
			if (k >= 0 && seed_write(argv[2], i, n++, k, data + ip->payload_off,
						 ip->end - ip->payload_off) < 0)
				return 1;
		}
		pcap_close(pc);
	}
	printf("pcap2corpus: %lu seeds\n", n);
	return 0;
}
