/* SPDX-License-Identifier: BSD-3-Clause */
/* Offline mode: look at the capture with libpcap before DPDK starts. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>

#include <ws_parse.h>

#include "wirestat.h"

/*
 * Refuse what cannot be analysed with a clear message, and count the
 * packets, so that the run knows when the whole file has gone through.
 */
int
ws_capture_check(struct ws_run *run, uint32_t *max_caplen, char *err, size_t err_size)
{
	char perr[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *ph;
	const u_char *data;
	pcap_t *pc;
	int rc;

	pc = pcap_open_offline(run->capture, perr);
	if (!pc) {
		snprintf(err, err_size, "%s: %s", run->capture, perr);
		return -EINVAL;
	}
	run->linktype = pcap_datalink(pc);
	if (!ws_parse_linktype_ok(run->linktype)) {
		snprintf(err, err_size,
			 "%s: link type %d (%s) is not supported; supported: Ethernet, "
			 "Linux cooked v1/v2, raw IP, BSD loopback",
			 run->capture, run->linktype,
			 pcap_datalink_val_to_name(run->linktype) ?: "unknown");
		pcap_close(pc);
		return -ENOTSUP;
	}
	*max_caplen = 0;
	run->capture_packets = 0;
	while ((rc = pcap_next_ex(pc, &ph, &data)) == 1) {
		run->capture_packets++;
		if (ph->caplen > *max_caplen)
			*max_caplen = ph->caplen;
	}
	if (rc == PCAP_ERROR)
		/* DPDK's reader stops at the same place: analyse what can be read. */
		fprintf(stderr, "wirestat: warning: %s: %s after %lu packets; analysing those\n",
			run->capture, pcap_geterr(pc), (unsigned long)run->capture_packets);
	pcap_close(pc);
	return 0;
}
