/* SPDX-License-Identifier: BSD-3-Clause */
/* Seed corpus for fuzz_parse: one file per packet, link type byte first. */
#include <pcap/pcap.h>
#include <stdio.h>

#include "fuzz_link.h"

static int
link_index(int link)
{
	for (unsigned int i = 0; i < FUZZ_N_LINKTYPES; i++)
		if (fuzz_linktypes[i] == link)
			return i;
	return -1;
}

int
main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE], path[4096];
	unsigned long n = 0;
	struct pcap_pkthdr *ph;
	const u_char *data;
	pcap_t *pc;
	FILE *f;
	int i, li;

	if (argc < 3) {
		fprintf(stderr, "usage: pcap2corpus OUTDIR CAPTURE...\n");
		return 2;
	}
	for (i = 2; i < argc; i++) {
		pc = pcap_open_offline(argv[i], err);
		if (!pc) {
			fprintf(stderr, "pcap2corpus: %s\n", err);
			return 1;
		}
		li = link_index(pcap_datalink(pc));
		while (li >= 0 && pcap_next_ex(pc, &ph, &data) == 1) {
			snprintf(path, sizeof(path), "%s/seed-%d-%06lu", argv[1], i, n++);
			f = fopen(path, "wb");
			if (!f) {
				perror(path);
				return 1;
			}
			fputc(li, f);
			fwrite(data, 1, ph->caplen, f);
			fclose(f);
		}
		pcap_close(pc);
	}
	printf("pcap2corpus: %lu seeds\n", n);
	return 0;
}
