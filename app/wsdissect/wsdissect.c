/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wsdissect: run the dissector over a capture file, without DPDK.
 *
 *   wsdissect FILE            summary: protocols, malformed reasons, hostnames
 *   wsdissect --packets FILE  one tab-separated line per packet (golden tests)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ws_parse.h>

#define MAX_NAMES 4096

struct name_count {
	char name[WS_HOST_MAX + 1];
	uint8_t source;
	uint64_t count;
};

struct summary {
	uint64_t packets, bytes;
	uint64_t l3[WS_L3_OTHER + 1];
	uint64_t tcp, udp, icmp, icmpv6, other_l4;
	uint64_t rc[WS_PARSE_RC_MAX];
	uint64_t tunneled, vlan, app_errors;
	struct name_count names[MAX_NAMES];
	unsigned int n_names;
	uint64_t names_dropped;
};

static const char *const host_sources[] = {"-", "dns", "tls", "http"};

static void
print_addr(const uint8_t *d, const struct ws_ip *ip, int dst)
{
	char buf[INET6_ADDRSTRLEN];
	const uint8_t *a;

	if (ip->version == 0) {
		fputs("\t-", stdout);
		return;
	}
	a = d + ip->l3_off + (ip->version == 4 ? 12 + 4 * dst : 8 + 16 * dst);
	inet_ntop(ip->version == 4 ? AF_INET : AF_INET6, a, buf, sizeof(buf));
	printf("\t%s", buf);
}

/* Columns: see tests/golden/compare.py. */
static void
print_ip(const uint8_t *d, const struct ws_ip *ip)
{
	print_addr(d, ip, 0);
	print_addr(d, ip, 1);
	if (ip->version)
		printf("\t%u", ip->proto);
	else
		fputs("\t-", stdout);
	if (ip->has_l4 && (ip->proto == 6 || ip->proto == 17 || ip->proto == 132))
		printf("\t%u\t%u", ip->sport, ip->dport);
	else if (ip->has_l4 && (ip->proto == 1 || ip->proto == 58))
		printf("\ticmp:%u\ticmp:%u", ip->icmp_type, ip->icmp_code);
	else
		fputs("\t-\t-", stdout);
	printf("\t%s", !(ip->frag & WS_FRAG_ANY)  ? "-"
		       : ip->frag & WS_FRAG_LATER ? "later"
						  : "first");
}

static void
print_packet(uint64_t n, const uint8_t *d, const struct ws_pkt *p, const struct ws_host *h)
{
	static const char *const l3[] = {"none", "ipv4", "ipv6", "arp", "other"};
	unsigned int i;

	printf("%lu\t%s\t%s\t", (unsigned long)n, ws_parse_rc_str(p->rc), l3[p->l3]);
	for (i = 0; i < p->n_vlans; i++)
		printf("%s%u", i ? "," : "", p->vlan[i]);
	if (p->n_vlans == 0)
		putchar('-');
	print_ip(d, &p->outer);
	printf("\t%u", p->n_tunnels);
	print_ip(d, &p->inner);
	printf("\t%s\t%s\t%s\n", host_sources[h->source], h->len ? h->name : "-",
	       h->method ? ws_http_method_str(h->method) : "-");
}

static void
count_name(struct summary *s, const struct ws_host *h)
{
	unsigned int i;

	for (i = 0; i < s->n_names; i++) {
		if (s->names[i].source == h->source && !strcmp(s->names[i].name, h->name)) {
			s->names[i].count++;
			return;
		}
	}
	if (s->n_names == MAX_NAMES) {
		s->names_dropped++;
		return;
	}
	memcpy(s->names[i].name, h->name, h->len + 1);
	s->names[i].source = h->source;
	s->names[i].count = 1;
	s->n_names++;
}

static void
count_packet(struct summary *s, uint32_t len, const struct ws_pkt *p, const struct ws_host *h,
	     int host_rc)
{
	s->packets++;
	s->bytes += len;
	s->l3[p->l3]++;
	s->rc[p->rc]++;
	s->tunneled += p->n_tunnels > 0;
	s->vlan += p->n_vlans > 0;
	if (p->outer.version && (p->outer.frag & WS_FRAG_LATER)) {
		s->other_l4++; /* no L4 header in a later fragment */
	} else if (p->outer.version) {
		switch (p->outer.proto) {
		case 6:
			s->tcp++;
			break;
		case 17:
			s->udp++;
			break;
		case 1:
			s->icmp++;
			break;
		case 58:
			s->icmpv6++;
			break;
		default:
			s->other_l4++;
			break;
		}
	}
	if (host_rc == -EBADMSG)
		s->app_errors++;
	if (host_rc == 0)
		count_name(s, h);
}

static int
cmp_names(const void *a, const void *b)
{
	const struct name_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->name, y->name);
}

static void
print_summary(struct summary *s)
{
	unsigned int i;

	printf("packets %lu  bytes %lu\n", (unsigned long)s->packets, (unsigned long)s->bytes);
	printf("l3      ipv4 %lu  ipv6 %lu  arp %lu  other %lu  undecoded %lu\n",
	       (unsigned long)s->l3[WS_L3_IPV4], (unsigned long)s->l3[WS_L3_IPV6],
	       (unsigned long)s->l3[WS_L3_ARP], (unsigned long)s->l3[WS_L3_OTHER],
	       (unsigned long)s->l3[WS_L3_NONE]);
	printf("l4      tcp %lu  udp %lu  icmp %lu  icmpv6 %lu  other %lu\n", (unsigned long)s->tcp,
	       (unsigned long)s->udp, (unsigned long)s->icmp, (unsigned long)s->icmpv6,
	       (unsigned long)s->other_l4);
	printf("tagged  %lu  tunneled %lu\n", (unsigned long)s->vlan, (unsigned long)s->tunneled);
	printf("malformed:\n");
	for (i = 1; i < WS_PARSE_RC_MAX; i++)
		if (s->rc[i])
			printf("  %-18s %lu\n", ws_parse_rc_str(i), (unsigned long)s->rc[i]);
	printf("  %-18s %lu\n", "app_layer", (unsigned long)s->app_errors);
	qsort(s->names, s->n_names, sizeof(s->names[0]), cmp_names);
	printf("hostnames (%u distinct%s):\n", s->n_names, s->names_dropped ? ", table full" : "");
	for (i = 0; i < s->n_names && i < 20; i++)
		printf("  %8lu  %-4s  %s\n", (unsigned long)s->names[i].count,
		       host_sources[s->names[i].source], s->names[i].name);
}

static int
run(const char *file, int per_packet)
{
	char err[PCAP_ERRBUF_SIZE];
	static struct summary s;
	struct pcap_pkthdr *ph;
	const u_char *data;
	struct ws_host h;
	struct ws_pkt p;
	pcap_t *pc;
	int link, rc;

	pc = pcap_open_offline(file, err);
	if (!pc) {
		fprintf(stderr, "wsdissect: %s\n", err);
		return 1;
	}
	link = pcap_datalink(pc);
	if (!ws_parse_linktype_ok(link)) {
		fprintf(stderr,
			"wsdissect: %s: link type %d (%s) is not supported; "
			"supported: Ethernet, Linux cooked v1/v2, raw IP, BSD loopback\n",
			file, link, pcap_datalink_val_to_name(link) ?: "unknown");
		pcap_close(pc);
		return 2;
	}
	while ((rc = pcap_next_ex(pc, &ph, &data)) == 1) {
		ws_parse_link(link, data, ph->caplen, &p);
		rc = ws_parse_host(data, ph->caplen, &p, &h);
		if (per_packet)
			print_packet(s.packets + 1, data, &p, &h);
		count_packet(&s, ph->caplen, &p, &h, rc);
	}
	if (rc == PCAP_ERROR)
		fprintf(stderr, "wsdissect: %s: %s (after %lu packets)\n", file, pcap_geterr(pc),
			(unsigned long)s.packets);
	pcap_close(pc);
	if (!per_packet)
		print_summary(&s);
	return rc == PCAP_ERROR ? 1 : 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"packets", no_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int per_packet = 0, c;

	while ((c = getopt_long(argc, argv, "ph", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			per_packet = 1;
			break;
		case 'h':
			printf("usage: wsdissect [--packets] FILE\n");
			return 0;
		default:
			fprintf(stderr, "usage: wsdissect [--packets] FILE\n");
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: wsdissect [--packets] FILE\n");
		return 2;
	}
	return run(argv[optind], per_packet);
}
